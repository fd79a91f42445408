//
// CommandLine.cpp
//


#include "ctl/CommandLine.h"
#include <algorithm>
#include <cctype>


namespace orchd {


namespace {


bool looksLikeNumber(const std::string& argument)
{
	return argument.size() > 1 && argument[0] == '-' && (std::isdigit(static_cast<unsigned char>(argument[1])) || argument[1] == '.');
}


} // namespace


CommandLine::CommandLine(std::vector<OptionSpec> specs):
	_specs(std::move(specs))
{
}


const OptionSpec* CommandLine::find(const std::string& argument, std::string& value, bool& hasValue) const
{
	std::string name;
	hasValue = false;
	if (argument.compare(0, 2, "--") == 0)
	{
		std::string::size_type eq = argument.find('=');
		name = argument.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
		if (eq != std::string::npos)
		{
			value = argument.substr(eq + 1);
			hasValue = true;
		}
		for (const auto& spec: _specs) if (spec.name == name) return &spec;
	}
	else if (argument.size() == 2)
	{
		for (const auto& spec: _specs) if (spec.shortName && spec.shortName == argument[1]) return &spec;
	}
	throw UsageError("unknown option " + (name.empty() ? argument : "--" + name));
}


void CommandLine::parse(const std::vector<std::string>& arguments)
{
	_given.clear();
	_words.clear();
	bool optionsEnded = false;
	for (std::size_t i = 0; i < arguments.size(); ++i)
	{
		const std::string& argument = arguments[i];
		if (optionsEnded || argument.size() < 2 || argument[0] != '-' || looksLikeNumber(argument))
		{
			_words.push_back(argument);
			continue;
		}
		if (argument == "--")
		{
			optionsEnded = true;
			continue;
		}
		std::string value;
		bool hasValue = false;
		const OptionSpec* spec = find(argument, value, hasValue);
		std::string shown = "--" + spec->name;
		if (spec->value.empty() && hasValue) throw UsageError(shown + " takes no value");
		if (!spec->value.empty() && !hasValue)
		{
			if (i + 1 >= arguments.size()) throw UsageError(shown + " needs a value (" + spec->value + ")");
			value = arguments[++i];
		}
		auto& given = _given[spec->name];
		if (!given.empty() && !spec->repeatable) throw UsageError(shown + " is given twice");
		given.push_back(value);
	}
	if (_words.empty()) return;
	// Options of one command given to another: a typo or a misunderstanding.
	for (const auto& given: _given)
	{
		const OptionSpec* spec = nullptr;
		for (const auto& s: _specs) if (s.name == given.first) spec = &s;
		if (!spec->commands.empty() && std::find(spec->commands.begin(), spec->commands.end(), _words[0]) == spec->commands.end())
			throw UsageError("--" + spec->name + " does not apply to " + _words[0]);
	}
}


bool CommandLine::has(const std::string& name) const
{
	return _given.count(name) > 0;
}


std::string CommandLine::value(const std::string& name, const std::string& defaultValue) const
{
	auto it = _given.find(name);
	return it == _given.end() ? defaultValue : it->second.back();
}


std::vector<std::string> CommandLine::values(const std::string& name) const
{
	auto it = _given.find(name);
	return it == _given.end() ? std::vector<std::string>() : it->second;
}


const std::vector<std::string>& CommandLine::words() const
{
	return _words;
}


const std::vector<OptionSpec>& CommandLine::specs() const
{
	return _specs;
}


std::vector<const OptionSpec*> CommandLine::optionsOf(const std::string& command) const
{
	std::vector<const OptionSpec*> options;
	for (const auto& spec: _specs)
	{
		if (spec.commands.empty() || std::find(spec.commands.begin(), spec.commands.end(), command) != spec.commands.end())
			options.push_back(&spec);
	}
	return options;
}


} // namespace orchd
