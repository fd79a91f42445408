//
// PgNames.h
//
// What the files of PgStatements share: the names of its prepared
// statements, and small libpq helpers.
//


#ifndef orchd_PgNames_INCLUDED
#define orchd_PgNames_INCLUDED


#include <libpq-fe.h>
#include <string>
#include <vector>


namespace orchd {
namespace pg {


constexpr const char* FIND = "orchd_find";
constexpr const char* RECORD = "orchd_record";
constexpr const char* READ = "orchd_read";
constexpr const char* WRITE = "orchd_write";
constexpr const char* INSERT = "orchd_insert";
constexpr const char* DELETE = "orchd_delete";
constexpr const char* PRUNE = "orchd_prune";
constexpr const char* PEEK = "orchd_peek";
constexpr const char* WRITE_MANY = "orchd_write_many";
constexpr const char* RECORD_MANY = "orchd_record_many";


inline std::string textArray(const std::vector<std::string>& values)
	/// A text[] literal: every element double-quoted, " and \ escaped.
{
	std::string array = "{";
	for (const auto& value: values)
	{
		if (array.size() > 1) array += ',';
		array += '"';
		for (char c: value)
		{
			if (c == '"' || c == '\\') array += '\\';
			array += c;
		}
		array += '"';
	}
	return array + "}";
}


class Result
	/// Clears a PGresult when it goes.
{
public:
	explicit Result(PGresult* result): _result(result)
	{
	}

	~Result()
	{
		if (_result) PQclear(_result);
	}

	PGresult* get() const
	{
		return _result;
	}

private:
	PGresult* _result;
};


inline std::string text(PGresult* result, int row, int column)
{
	return std::string(PQgetvalue(result, row, column), static_cast<std::size_t>(PQgetlength(result, row, column)));
}


} } // namespace orchd::pg


#endif // orchd_PgNames_INCLUDED
