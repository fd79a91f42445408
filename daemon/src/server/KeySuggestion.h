//
// KeySuggestion.h
//
// "Did you mean ...?" for a misspelt key or name.
//


#ifndef orchd_KeySuggestion_INCLUDED
#define orchd_KeySuggestion_INCLUDED


#include <cstddef>
#include <string>
#include <vector>


namespace orchd {


class KeySuggestion
	/// The nearest of some candidates to a misspelt key, by edit distance.
	/// Pure and thread-safe.
{
public:
	static std::string hint(const std::string& key, const std::vector<std::string>& candidates);
		/// Returns " (did you mean CANDIDATE?)" for the candidate nearest to
		/// key (an edit distance under 4), or an empty string.

	static std::size_t editDistance(const std::string& a, const std::string& b);
		/// Levenshtein distance: insertions, deletions, substitutions.
};


} // namespace orchd


#endif // orchd_KeySuggestion_INCLUDED
