//
// KeySuggestion.cpp
//


#include "server/KeySuggestion.h"
#include <algorithm>


namespace orchd {


std::string KeySuggestion::hint(const std::string& key, const std::vector<std::string>& candidates)
{
	std::string hint;
	std::size_t best = 4;
	for (const auto& candidate: candidates)
	{
		std::size_t distance = editDistance(key, candidate);
		if (distance < best)
		{
			best = distance;
			hint = " (did you mean " + candidate + "?)";
		}
	}
	return hint;
}


std::size_t KeySuggestion::editDistance(const std::string& a, const std::string& b)
{
	std::vector<std::size_t> row(b.size() + 1);
	for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
	for (std::size_t i = 1; i <= a.size(); ++i)
	{
		std::size_t diagonal = row[0];
		row[0] = i;
		for (std::size_t j = 1; j <= b.size(); ++j)
		{
			std::size_t above = row[j];
			row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
			diagonal = above;
		}
	}
	return row[b.size()];
}


} // namespace orchd
