//
// MetricsText.cpp
//


#include "metrics/MetricsText.h"
#include "Poco/Exception.h"
#include <cmath>
#include <cstdio>


namespace orchd {


const std::string MetricsText::CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";


MetricsText::MetricsText() = default;


bool MetricsText::validName(const std::string& name, bool metric)
{
	if (name.empty()) return false;
	for (std::size_t i = 0; i < name.size(); ++i)
	{
		char c = name[i];
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':');
		if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
	}
	return true;
}


void MetricsText::family(const std::string& name, Type type, const std::string& help)
{
	if (!validName(name, true)) throw Poco::InvalidArgumentException("invalid metric name '" + name + "'");
	const std::string total = "_total";
	bool counterName = name.size() > total.size() && name.compare(name.size() - total.size(), total.size(), total) == 0;
	if (type == COUNTER && !counterName) throw Poco::InvalidArgumentException("counter " + name + " must be named *_total");
	if (type != COUNTER && counterName) throw Poco::InvalidArgumentException(name + " is not a counter: *_total is for counters");
	if (!_families.insert(name).second) throw Poco::InvalidArgumentException("metric family " + name + " written twice");
	static const char* TYPES[] = {"counter", "gauge", "histogram"};
	_out << "# HELP " << name << ' ' << escapeHelp(help) << "\n# TYPE " << name << ' ' << TYPES[type] << '\n';
	_current = name;
	_type = type;
}


void MetricsText::requireType(Type type) const
{
	if (_current.empty()) throw Poco::InvalidArgumentException("a sample before any metric family");
	if ((type == HISTOGRAM) != (_type == HISTOGRAM))
		throw Poco::InvalidArgumentException("a " + std::string(type == HISTOGRAM ? "histogram" : "plain") + " sample in family " + _current);
}


void MetricsText::writeName(const std::string& suffix, const Labels& labels, const std::pair<std::string, std::string>* extra)
{
	_out << _current << suffix;
	if (labels.empty() && !extra) return;
	char separator = '{';
	for (const auto& label: labels)
	{
		if (!validName(label.first, false) || label.first.compare(0, 2, "__") == 0)
			throw Poco::InvalidArgumentException("invalid label name '" + label.first + "' in " + _current);
		if (extra && label.first == extra->first) throw Poco::InvalidArgumentException("label " + label.first + " is reserved in " + _current);
		_out << separator << label.first << "=\"" << escapeLabel(label.second) << '"';
		separator = ',';
	}
	if (extra) _out << separator << extra->first << "=\"" << extra->second << '"';
	_out << '}';
}


void MetricsText::add(const Labels& labels, std::uint64_t value)
{
	requireType(GAUGE);
	writeName("", labels);
	_out << ' ' << value << '\n';
}


void MetricsText::add(const Labels& labels, double value)
{
	requireType(GAUGE);
	writeName("", labels);
	_out << ' ' << number(value) << '\n';
}


void MetricsText::add(const Labels& labels, const Histogram::Snapshot& histogram, double scale)
{
	requireType(HISTOGRAM);
	for (std::size_t i = 0; i < histogram.bounds.size(); ++i)
	{
		std::pair<std::string, std::string> le("le", number(static_cast<double>(histogram.bounds[i]) * scale));
		writeName("_bucket", labels, &le);
		_out << ' ' << histogram.cumulative[i] << '\n';
	}
	std::pair<std::string, std::string> inf("le", "+Inf");
	writeName("_bucket", labels, &inf);
	_out << ' ' << histogram.count << '\n';
	writeName("_sum", labels);
	_out << ' ' << number(static_cast<double>(histogram.sum) * scale) << '\n';
	writeName("_count", labels);
	_out << ' ' << histogram.count << '\n';
}


std::string MetricsText::str() const
{
	return _out.str();
}


std::string MetricsText::escapeLabel(const std::string& value)
{
	std::string escaped;
	escaped.reserve(value.size());
	for (char c: value)
	{
		if (c == '\\') escaped += "\\\\";
		else if (c == '"') escaped += "\\\"";
		else if (c == '\n') escaped += "\\n";
		else escaped += c;
	}
	return escaped;
}


std::string MetricsText::escapeHelp(const std::string& text)
{
	std::string escaped;
	escaped.reserve(text.size());
	for (char c: text)
	{
		if (c == '\\') escaped += "\\\\";
		else if (c == '\n') escaped += "\\n";
		else escaped += c;
	}
	return escaped;
}


std::string MetricsText::number(double value)
{
	if (std::isnan(value)) return "NaN";
	if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
	char buffer[32];
	// %.15g: the bounds and sums of microseconds written as seconds come
	// out as written (0.0001, not 0.00010000000000000001).
	std::snprintf(buffer, sizeof(buffer), "%.15g", value);
	return buffer;
}


} // namespace orchd
