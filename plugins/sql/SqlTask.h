//
// SqlTask.h
//
// A task type that runs one named, read-only SQL statement.
//


#ifndef sql_SqlTask_INCLUDED
#define sql_SqlTask_INCLUDED


#include "orchd/TaskHandler.h"
#include <string>
#include <vector>


namespace sql {


struct Parameter
	/// One :name of the statement, filled from the request's field NAME.
{
	enum Type
	{
		CENTS,    /// an amount (orchd::Money), bound as integer cents
		INTEGER,  /// a JSON integer
		TEXT      /// a JSON string of at most MAX_TEXT bytes
	};

	std::string name;   /// as in the statement, without the colon: "amount"
	std::string field;  /// the request's field: the name in upper case, "AMOUNT"
	Type type = TEXT;

	static constexpr std::size_t MAX_TEXT = 1024;

	static Parameter parse(const std::string& declaration, const std::string& key);
		/// "amount:cents" (or :integer, :text). Throws
		/// Poco::InvalidArgumentException naming key.
};


class SqlTask: public orchd::TaskHandler
	/// A task type declared in properties (see SqlPlugin): validate()
	/// checks the request's fields against the declared parameters (no
	/// field missing, none extra, each of its type); execute() has the
	/// store bind them by name and run the statement, and answers
	/// {"STATUS":"OK","ROWS":[{COLUMN:VALUE,...}],"COUNT":N,"TRUNCATED":B}.
	/// Immutable after construction: thread-safe.
{
public:
	SqlTask(const std::string& name, const std::string& description, const std::string& statement, const std::vector<Parameter>& parameters, std::size_t maxRows);

	std::string name() const override;
	std::string description() const override;
	void validate(const Poco::JSON::Object& request) const override;
	Poco::JSON::Object::Ptr execute(orchd::TaskContext& context, const Poco::JSON::Object& request) override;

	const std::string& statement() const;
	const std::vector<Parameter>& parameters() const;

private:
	Poco::Dynamic::Var value(const Poco::JSON::Object& request, const Parameter& parameter) const;

	std::string _name;
	std::string _description;
	std::string _statement;
	std::vector<Parameter> _parameters;
	std::size_t _maxRows;
};


} // namespace sql


#endif // sql_SqlTask_INCLUDED
