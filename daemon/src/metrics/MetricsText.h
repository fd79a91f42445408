//
// MetricsText.h
//
// Writes metrics in the Prometheus text exposition format (0.0.4).
//


#ifndef orchd_MetricsText_INCLUDED
#define orchd_MetricsText_INCLUDED


#include "metrics/Histogram.h"
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>


namespace orchd {


class MetricsText
	/// Builds one scrape's body: each family() writes its # HELP and
	/// # TYPE lines, and the add() calls after it write that family's
	/// samples. Names are checked as they come, so a wrong one fails the
	/// first test that writes it rather than a scrape: a name or label
	/// name outside Prometheus's alphabet, a counter not named *_total,
	/// a family declared twice, a sample before any family or of the
	/// wrong kind, a histogram labelled "le", all throw
	/// Poco::InvalidArgumentException. Label values and help texts are
	/// escaped.
	///
	/// Pure: no clock, no I/O. Not thread-safe (one per scrape).
{
public:
	using Labels = std::vector<std::pair<std::string, std::string>>;

	enum Type
	{
		COUNTER,
		GAUGE,
		HISTOGRAM
	};

	MetricsText();

	void family(const std::string& name, Type type, const std::string& help);
		/// Starts a family; its samples follow.

	void add(const Labels& labels, std::uint64_t value);
	void add(const Labels& labels, double value);
		/// One sample of the current counter or gauge.

	void add(const Labels& labels, const Histogram::Snapshot& histogram, double scale = 1.0);
		/// The _bucket, _sum and _count samples of the current histogram;
		/// bounds and sum are multiplied by scale (1e-6: microseconds
		/// observed, seconds written).

	std::string str() const;
		/// The body so far.

	static const std::string CONTENT_TYPE;
		/// text/plain; version=0.0.4; charset=utf-8

	static std::string escapeLabel(const std::string& value);
		/// Backslash, double quote and newline escaped.

	static std::string escapeHelp(const std::string& text);
		/// Backslash and newline escaped.

	static std::string number(double value);
		/// Shortest exact-enough text: integers without a point; +Inf,
		/// -Inf, NaN as Prometheus spells them.

	static bool validName(const std::string& name, bool metric);
		/// [a-zA-Z_:][a-zA-Z0-9_:]* for a metric, without ':' for a label.

private:
	void writeName(const std::string& suffix, const Labels& labels, const std::pair<std::string, std::string>* extra = nullptr);
	void requireType(Type type) const;

	std::ostringstream _out;
	std::set<std::string> _families;
	std::string _current;
	Type _type = GAUGE;
};


} // namespace orchd


#endif // orchd_MetricsText_INCLUDED
