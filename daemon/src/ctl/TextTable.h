//
// TextTable.h
//
// Columns as wide as their content, for orchctl's tables.
//


#ifndef orchd_TextTable_INCLUDED
#define orchd_TextTable_INCLUDED


#include <ostream>
#include <string>
#include <vector>


namespace orchd {


class TextTable
	/// Rows of cells printed left-aligned, each column as wide as its
	/// widest cell (header included) plus two spaces; the last column is
	/// not padded. A value type, not thread-safe.
{
public:
	explicit TextTable(std::vector<std::string> header);

	void addRow(std::vector<std::string> cells);
		/// Missing cells are empty; extra ones are kept.
	void print(std::ostream& out) const;
	std::size_t rows() const;

private:
	std::vector<std::vector<std::string>> _rows;  // the header first
};


} // namespace orchd


#endif // orchd_TextTable_INCLUDED
