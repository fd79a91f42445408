//
// CommandLine.h
//
// orchctl's options and words, parsed against a table.
//


#ifndef orchd_CommandLine_INCLUDED
#define orchd_CommandLine_INCLUDED


#include <map>
#include <stdexcept>
#include <string>
#include <vector>


namespace orchd {


class UsageError: public std::runtime_error
	/// A command line that orchctl cannot run: exit 2 with the message.
{
public:
	using std::runtime_error::runtime_error;
};


struct OptionSpec
	/// One option: --name (and -s if short is set), with a value or not,
	/// for every command or only the listed ones.
{
	std::string name;
	char shortName = 0;
	std::string value;                  /// the value's name in the help ("FILE"); empty: a flag
	std::string help;
	std::vector<std::string> commands;  /// empty: any command
	bool repeatable = false;
};


class CommandLine
	/// Parses arguments the way GNU tools do: `--name value` and
	/// `--name=value`, `-s value`, options before or after the words, `--`
	/// ends the options. A word that starts with '-' and a digit or '.'
	/// ("-12.50") is a word, not an option. Unknown options, a flag given a
	/// value, a missing value, a second non-repeatable option and an
	/// option given to a command it does not belong to are UsageErrors.
	///
	/// Not thread-safe; a value type.
{
public:
	explicit CommandLine(std::vector<OptionSpec> specs);

	void parse(const std::vector<std::string>& arguments);
		/// Throws UsageError.

	bool has(const std::string& name) const;
	std::string value(const std::string& name, const std::string& defaultValue = "") const;
		/// The last value given.
	std::vector<std::string> values(const std::string& name) const;
		/// Every value given, in order (repeatable options).
	const std::vector<std::string>& words() const;
		/// The command and its arguments.
	const std::vector<OptionSpec>& specs() const;

	std::vector<const OptionSpec*> optionsOf(const std::string& command) const;
		/// The options that apply to command (or to any command if it is
		/// empty): for the help and the completion.

private:
	const OptionSpec* find(const std::string& argument, std::string& value, bool& hasValue) const;

	std::vector<OptionSpec> _specs;
	std::map<std::string, std::vector<std::string>> _given;
	std::vector<std::string> _words;
};


} // namespace orchd


#endif // orchd_CommandLine_INCLUDED
