//
// TextTable.cpp
//


#include "ctl/TextTable.h"
#include <algorithm>


namespace orchd {


TextTable::TextTable(std::vector<std::string> header)
{
	_rows.push_back(std::move(header));
}


void TextTable::addRow(std::vector<std::string> cells)
{
	_rows.push_back(std::move(cells));
}


std::size_t TextTable::rows() const
{
	return _rows.size() - 1;
}


void TextTable::print(std::ostream& out) const
{
	std::vector<std::size_t> widths;
	for (const auto& row: _rows)
	{
		if (row.size() > widths.size()) widths.resize(row.size(), 0);
		for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
	}
	for (const auto& row: _rows)
	{
		std::string line;
		for (std::size_t c = 0; c < row.size(); ++c)
		{
			line += row[c];
			if (c + 1 < row.size()) line.append(widths[c] - row[c].size() + 2, ' ');
		}
		out << line << "\n";
	}
}


} // namespace orchd
