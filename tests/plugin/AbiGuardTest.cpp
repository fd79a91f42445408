//
// AbiGuardTest.cpp
//
// The plugin ABI guarded like a protocol: a hash of the public headers
// (include/orchd/*.h, comments and spacing aside) is recorded with the
// PLUGIN_ABI_VERSION it belongs to in tests/plugin/PluginAbi.sha256. A
// header changed without raising the version fails here, with the line to
// record once it is raised.
//


#include "TestSupport.h"
#include "orchd/PluginApi.h"
#include "Poco/DigestEngine.h"
#include "Poco/DirectoryIterator.h"
#include "Poco/File.h"
#include "Poco/FileStream.h"
#include "Poco/Path.h"
#include "Poco/SHA2Engine.h"
#include "Poco/StreamCopier.h"
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <sstream>
#include <vector>


using namespace orchd::test;


namespace {


std::string readAll(const std::string& path)
{
	Poco::FileInputStream in(path);
	std::string text;
	Poco::StreamCopier::copyToString(in, text);
	return text;
}


std::string normalized(const std::string& source)
	/// The header without comments, with each run of white space one space:
	/// what a compiler sees, so that documentation may change freely.
{
	std::string out;
	bool space = false;
	for (std::size_t i = 0; i < source.size(); ++i)
	{
		char c = source[i];
		if (c == '/' && i + 1 < source.size() && source[i + 1] == '/')
		{
			while (i < source.size() && source[i] != '\n') ++i;
			space = true;
			continue;
		}
		if (c == '/' && i + 1 < source.size() && source[i + 1] == '*')
		{
			std::size_t end = source.find("*/", i + 2);
			i = end == std::string::npos ? source.size() : end + 1;
			space = true;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		{
			space = true;
			continue;
		}
		if (space && !out.empty()) out += ' ';
		space = false;
		out += c;
		if (c == '"' || c == '\'')
		{
			// A literal, copied as it is ("//" in it is no comment).
			for (++i; i < source.size() && source[i] != c; ++i)
			{
				out += source[i];
				if (source[i] == '\\' && i + 1 < source.size()) out += source[++i];
			}
			if (i < source.size()) out += c;
		}
	}
	return out;
}


std::string headersHash(const std::string& folder)
{
	std::vector<std::string> names;
	for (Poco::DirectoryIterator it(folder), end; it != end; ++it)
	{
		if (it->isFile() && Poco::Path(it->path()).getExtension() == "h") names.push_back(it.name());
	}
	std::sort(names.begin(), names.end());
	Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
	for (const auto& name: names)
	{
		std::string text = name + "\n" + normalized(readAll(folder + "/" + name)) + "\n";
		sha.update(text.data(), static_cast<unsigned>(text.size()));
	}
	return Poco::DigestEngine::digestToHex(sha.digest());
}


std::string abiCheck(const std::string& headers, const std::string& record, int version)
	/// Empty if the headers are the ones recorded for version, else why not.
{
	std::istringstream in(readAll(record));
	int recordedVersion = 0;
	std::string recordedHash;
	in >> recordedVersion >> recordedHash;
	std::string hash = headersHash(headers);
	std::string line = std::to_string(version) + " " + hash;
	if (recordedVersion != version)
		return "PLUGIN_ABI_VERSION is " + std::to_string(version) + " but " + record + " is for version " + std::to_string(recordedVersion) +
			": once the headers are final, record '" + line + "' there";
	if (recordedHash != hash)
		return "the public headers in " + headers + " changed but PLUGIN_ABI_VERSION did not (still " + std::to_string(version) +
			"): compiled plugins would break silently. Raise it in include/orchd/PluginApi.h, then record '" +
			std::to_string(version + 1) + " <the new hash this test prints>' in " + record;
	return std::string();
}


std::string recordFile()
{
	return sourceDir() + "/tests/plugin/PluginAbi.sha256";
}


} // namespace


class AbiGuardTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(AbiGuardTest);
	CPPUNIT_TEST(testHeadersMatchTheRecord);
	CPPUNIT_TEST(testChangedHeaderFails);
	CPPUNIT_TEST(testCommentsAndSpacingAreNotTheAbi);
	CPPUNIT_TEST(testRaisedVersionNeedsItsRecord);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		// A copy of the headers the tests may change.
		Poco::File(_dir.path() + "/orchd").createDirectories();
		for (Poco::DirectoryIterator it(headers()), end; it != end; ++it)
		{
			if (it->isFile()) it->copyTo(_dir.path() + "/orchd");
		}
	}

	void testHeadersMatchTheRecord()
	{
		std::string reason = abiCheck(headers(), recordFile(), orchd::PLUGIN_ABI_VERSION);
		CPPUNIT_ASSERT_MESSAGE(reason + " (hash now: " + headersHash(headers()) + ")", reason.empty());
	}

	void testChangedHeaderFails()
	{
		std::string file = copy() + "/TaskHandler.h";
		std::string text = readAll(file);
		std::size_t at = text.find("virtual ~TaskHandler()");
		CPPUNIT_ASSERT(at != std::string::npos);
		writeFile(file, text.insert(at, "virtual int priority() const { return 0; }\n\t"));
		std::string reason = abiCheck(copy(), recordFile(), orchd::PLUGIN_ABI_VERSION);
		CPPUNIT_ASSERT_MESSAGE(reason, reason.find("changed but PLUGIN_ABI_VERSION did not") != std::string::npos);
	}

	void testCommentsAndSpacingAreNotTheAbi()
	{
		std::string file = copy() + "/AccountStore.h";
		std::string text = readAll(file);
		std::size_t at = text.find("class AccountStore");
		writeFile(file, text.insert(at, "// A note for readers, with a \"quote\" and /* nested */ marks.\n/* and a block\n   comment */\n\n\n"));
		CPPUNIT_ASSERT_EQUAL(std::string(), abiCheck(copy(), recordFile(), orchd::PLUGIN_ABI_VERSION));
	}

	void testRaisedVersionNeedsItsRecord()
	{
		std::string reason = abiCheck(headers(), recordFile(), orchd::PLUGIN_ABI_VERSION + 1);
		CPPUNIT_ASSERT_MESSAGE(reason, reason.find("record '" + std::to_string(orchd::PLUGIN_ABI_VERSION + 1) + " ") != std::string::npos);
	}

private:
	static std::string headers()
	{
		return sourceDir() + "/include/orchd";
	}

	std::string copy() const
	{
		return _dir.path() + "/orchd";
	}

	TempDir _dir;
};


CPPUNIT_TEST_SUITE_REGISTRATION(AbiGuardTest);
