//
// AccountDatabase.cpp
//


#include "store/AccountDatabase.h"
#include "store/MariaStatements.h"
#include "store/NetAccountStore.h"
#include "store/PgStatements.h"
#include "store/SqlAccountStore.h"
#include "Poco/Exception.h"
#include "Poco/FileStream.h"
#include "Poco/String.h"


namespace orchd {


namespace {


std::string readPassword(const std::string& path)
{
	if (path.empty()) return std::string();
	std::string password;
	try
	{
		Poco::FileInputStream in(path);
		std::getline(in, password);
	}
	catch (Poco::Exception& exc)
	{
		throw Poco::InvalidArgumentException("store.password_file: cannot read " + path + ": " + exc.displayText());
	}
	while (!password.empty() && (password.back() == '\r' || password.back() == '\n')) password.pop_back();
	return password;
}


std::string libpqQuoted(const std::string& value)
	/// A value in libpq's key=value form: single quotes, \ and ' escaped.
{
	std::string quoted = "'";
	for (char c: value)
	{
		if (c == '\'' || c == '\\') quoted += '\\';
		quoted += c;
	}
	return quoted + "'";
}


} // namespace


std::unique_ptr<AccountDatabase> AccountDatabase::connect(const StoreOptions& options)
{
	std::string connector = Poco::toLower(options.connector);
	if (connector == "sqlite") return std::make_unique<SqlAccountStore>(options);
	std::string password = readPassword(options.passwordFile);
	if (connector == "postgresql")
	{
		std::string conninfo = options.connection;
		if (!password.empty()) conninfo += " password=" + libpqQuoted(password);
		bool synchronousFull = options.synchronousFull;
		const StoreClock* clock = options.clock ? options.clock : &StoreClock::system();
		return std::make_unique<NetAccountStore>(options, NetSchema::POSTGRESQL, [conninfo, synchronousFull, clock]
		{
			return std::make_unique<PgStatements>(conninfo, synchronousFull, *clock);
		});
	}
	if (connector == "mariadb" || connector == "mysql")
	{
		MariaAddress address = MariaAddress::parse(options.connection);
		if (!password.empty()) address.password = password;
		const StoreClock* clock = options.clock ? options.clock : &StoreClock::system();
		return std::make_unique<NetAccountStore>(options, NetSchema::MARIADB, [address, clock]
		{
			return std::make_unique<MariaStatements>(address, *clock);
		});
	}
	throw Poco::InvalidArgumentException("store.connector: unknown connector '" + options.connector + "' (sqlite, postgresql or mariadb)");
}


} // namespace orchd
