//
// FrameCodecTest.cpp
//
// FrameCodec against the example frames of RFC 6455 section 5.7, byte for
// byte, and against the frames the RFC says an endpoint must refuse.
//


#include "net/FrameCodec.h"
#include <cppunit/extensions/HelperMacros.h>
#include <cstdint>
#include <initializer_list>


using orchd::FrameCodec;


namespace {


const std::size_t MAX = 1 << 20;


std::string bytes(std::initializer_list<unsigned> values)
{
	std::string text;
	for (unsigned value: values) text.push_back(static_cast<char>(value));
	return text;
}


std::string binaryData(std::size_t size)
	/// Every byte value, over and over, so that a shifted byte shows.
{
	std::string data(size, '\0');
	for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>(i * 7 + 3);
	return data;
}


std::string encoded(int opcode, const std::string& data, bool mask)
{
	std::string out;
	FrameCodec::encode(out, opcode, data.data(), data.size(), mask);
	return out;
}


void expectMessage(FrameCodec& codec, const std::string& buffer, std::size_t& offset, int opcode, const std::string& payload)
{
	FrameCodec::Result result = codec.decode(buffer, offset);
	CPPUNIT_ASSERT_EQUAL_MESSAGE(codec.error(), int(FrameCodec::MESSAGE), int(result));
	CPPUNIT_ASSERT_EQUAL(opcode, codec.opcode());
	CPPUNIT_ASSERT(payload == codec.payload());
}


void expectOnly(bool expectMasked, const std::string& frame, int opcode, const std::string& payload)
	/// frame decodes to exactly one message and is consumed whole.
{
	FrameCodec codec(MAX, expectMasked);
	std::size_t offset = 0;
	expectMessage(codec, frame, offset, opcode, payload);
	CPPUNIT_ASSERT_EQUAL(frame.size(), offset);
	CPPUNIT_ASSERT_EQUAL(int(FrameCodec::NEED_MORE), int(codec.decode(frame, offset)));
}


std::uint16_t refusal(const std::string& frame, bool expectMasked = false, std::size_t max = MAX)
	/// The close code with which a fresh codec refuses frame.
{
	FrameCodec codec(max, expectMasked);
	std::size_t offset = 0;
	CPPUNIT_ASSERT_EQUAL(int(FrameCodec::ERROR), int(codec.decode(frame, offset)));
	CPPUNIT_ASSERT(!codec.error().empty());
	return codec.closeCode();
}


void checkMask(const std::string& frame, std::size_t header, const std::string& data)
	/// frame carries data masked with the key in its last four header bytes.
{
	CPPUNIT_ASSERT_EQUAL(header + data.size(), frame.size());
	const char* key = frame.data() + header - 4;
	for (std::size_t i = 0; i < data.size(); ++i)
		CPPUNIT_ASSERT_EQUAL(data[i], static_cast<char>(frame[header + i] ^ key[i & 3]));
}


const std::string HELLO_UNMASKED = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
const std::string HELLO_MASKED = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});


} // namespace


class FrameCodecTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FrameCodecTest);
	CPPUNIT_TEST(testRfcSingleFrames);
	CPPUNIT_TEST(testRfcFragmentedMessage);
	CPPUNIT_TEST(testRfcPingAndPong);
	CPPUNIT_TEST(testRfcExtendedLengths);
	CPPUNIT_TEST(testLengthBoundaries);
	CPPUNIT_TEST(testMaskedEncoding);
	CPPUNIT_TEST(testControlFramesBetweenFragments);
	CPPUNIT_TEST(testPartialReads);
	CPPUNIT_TEST(testSeveralMessagesInOneBuffer);
	CPPUNIT_TEST(testOversizedMessagesRefused);
	CPPUNIT_TEST(testMaskingRule);
	CPPUNIT_TEST(testReservedBitsAndOpcodesRefused);
	CPPUNIT_TEST(testBrokenFragmentationRefused);
	CPPUNIT_TEST(testCloseFrames);
	CPPUNIT_TEST(testMalformedCloseFramesRefused);
	CPPUNIT_TEST(testCloseReasonCutOnCharacterBoundary);
	CPPUNIT_TEST_SUITE_END();

public:
	void testRfcSingleFrames()
	{
		expectOnly(false, HELLO_UNMASKED, FrameCodec::TEXT, "Hello");
		CPPUNIT_ASSERT(HELLO_UNMASKED == encoded(FrameCodec::TEXT, "Hello", false));
		expectOnly(true, HELLO_MASKED, FrameCodec::TEXT, "Hello");
	}

	void testRfcFragmentedMessage()
	{
		const std::string frames = bytes({0x01, 0x03, 0x48, 0x65, 0x6c}) + bytes({0x80, 0x02, 0x6c, 0x6f});
		expectOnly(false, frames, FrameCodec::TEXT, "Hello");
	}

	void testRfcPingAndPong()
	{
		const std::string ping = bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
		const std::string pong = bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
		expectOnly(false, ping, FrameCodec::PING, "Hello");
		CPPUNIT_ASSERT(ping == encoded(FrameCodec::PING, "Hello", false));
		expectOnly(true, pong, FrameCodec::PONG, "Hello");
		std::string ourPong = encoded(FrameCodec::PONG, "Hello", true);
		CPPUNIT_ASSERT(ourPong.compare(0, 2, bytes({0x8a, 0x85})) == 0);
		checkMask(ourPong, 6, "Hello");
	}

	void testRfcExtendedLengths()
	{
		const std::string data256 = binaryData(256);
		const std::string frame256 = bytes({0x82, 0x7E, 0x01, 0x00}) + data256;
		expectOnly(false, frame256, FrameCodec::BINARY, data256);
		CPPUNIT_ASSERT(frame256 == encoded(FrameCodec::BINARY, data256, false));

		const std::string data64k = binaryData(65536);
		const std::string frame64k = bytes({0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}) + data64k;
		expectOnly(false, frame64k, FrameCodec::BINARY, data64k);
		CPPUNIT_ASSERT(frame64k == encoded(FrameCodec::BINARY, data64k, false));
	}

	void testLengthBoundaries()
	{
		// The last length of each form and the first of the next: 125 | 126,
		// 65535 | 65536; masked and not, both ways through the codec.
		const struct { std::size_t size; std::string header; } cases[] = {
			{0, bytes({0x81, 0x00})},
			{125, bytes({0x81, 0x7D})},
			{126, bytes({0x81, 0x7E, 0x00, 0x7E})},
			{65535, bytes({0x81, 0x7E, 0xFF, 0xFF})},
			{65536, bytes({0x81, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00})}};
		for (const auto& c: cases)
		{
			const std::string data = binaryData(c.size);
			std::string plain = encoded(FrameCodec::TEXT, data, false);
			CPPUNIT_ASSERT(plain == c.header + data);
			expectOnly(false, plain, FrameCodec::TEXT, data);
			std::string masked = encoded(FrameCodec::TEXT, data, true);
			CPPUNIT_ASSERT_EQUAL(static_cast<char>(c.header[1] | 0x80), masked[1]);
			CPPUNIT_ASSERT(masked.compare(2, c.header.size() - 2, c.header, 2, std::string::npos) == 0);
			checkMask(masked, c.header.size() + 4, data);
			expectOnly(true, masked, FrameCodec::TEXT, data);
		}
	}

	void testMaskedEncoding()
	{
		std::string frame = encoded(FrameCodec::TEXT, "Hello", true);
		CPPUNIT_ASSERT(frame.compare(0, 2, bytes({0x81, 0x85})) == 0);
		checkMask(frame, 6, "Hello");
		// Keys differ from frame to frame (RFC 6455 5.3: unpredictable).
		bool differs = false;
		for (int i = 0; i < 8 && !differs; ++i) differs = encoded(FrameCodec::TEXT, "Hello", true).compare(2, 4, frame, 2, 4) != 0;
		CPPUNIT_ASSERT(differs);
	}

	void testControlFramesBetweenFragments()
	{
		std::string buffer = bytes({0x01, 0x03, 0x48, 0x65, 0x6c});
		FrameCodec::encode(buffer, FrameCodec::PING, "p", 1, false);
		buffer += bytes({0x00, 0x01, 0x6c});
		FrameCodec::encode(buffer, FrameCodec::PONG, "", 0, false);
		buffer += bytes({0x80, 0x01, 0x6f});
		FrameCodec codec(MAX, false);
		std::size_t offset = 0;
		expectMessage(codec, buffer, offset, FrameCodec::PING, "p");
		expectMessage(codec, buffer, offset, FrameCodec::PONG, "");
		expectMessage(codec, buffer, offset, FrameCodec::TEXT, "Hello");
		CPPUNIT_ASSERT_EQUAL(buffer.size(), offset);
	}

	void testPartialReads()
	{
		// Masked frames of each length form, a fragmented message with a
		// ping inside, arriving a few bytes at a time: the offset never
		// goes back, and nothing is delivered before its last byte.
		const std::string big = binaryData(70000);
		std::string stream = HELLO_MASKED + encoded(FrameCodec::TEXT, binaryData(300), true);
		std::string fragmented;
		FrameCodec::encode(fragmented, FrameCodec::TEXT, big.data(), 40000, true);
		fragmented[0] = 0x01;  // not final
		FrameCodec::encode(fragmented, FrameCodec::PING, "x", 1, true);
		std::size_t last = fragmented.size();
		FrameCodec::encode(fragmented, FrameCodec::TEXT, big.data() + 40000, big.size() - 40000, true);
		fragmented[last] = char(0x80);  // the final continuation
		stream += fragmented;
		const std::string expected[] = {"Hello", binaryData(300), "x", big};
		for (std::size_t step: {1u, 3u, 7u, 1000u})
		{
			FrameCodec codec(MAX, true);
			std::string buffer;
			std::size_t offset = 0;
			std::size_t delivered = 0;
			for (std::size_t at = 0; at < stream.size(); at += step)
			{
				buffer.append(stream, at, step);
				std::size_t before = offset;
				FrameCodec::Result result;
				while ((result = codec.decode(buffer, offset)) == FrameCodec::MESSAGE)
				{
					CPPUNIT_ASSERT(delivered < 4);
					CPPUNIT_ASSERT(expected[delivered++] == codec.payload());
				}
				CPPUNIT_ASSERT_EQUAL(int(FrameCodec::NEED_MORE), int(result));
				CPPUNIT_ASSERT(offset >= before && offset <= buffer.size());
			}
			CPPUNIT_ASSERT_EQUAL(std::size_t(4), delivered);
			CPPUNIT_ASSERT_EQUAL(stream.size(), offset);
		}
	}

	void testSeveralMessagesInOneBuffer()
	{
		std::string buffer = HELLO_UNMASKED + encoded(FrameCodec::TEXT, "two", false) + HELLO_UNMASKED.substr(0, 4);
		FrameCodec codec(MAX, false);
		std::size_t offset = 0;
		expectMessage(codec, buffer, offset, FrameCodec::TEXT, "Hello");
		expectMessage(codec, buffer, offset, FrameCodec::TEXT, "two");
		CPPUNIT_ASSERT_EQUAL(int(FrameCodec::NEED_MORE), int(codec.decode(buffer, offset)));
		CPPUNIT_ASSERT_EQUAL(HELLO_UNMASKED.size() + 5, offset);
	}

	void testOversizedMessagesRefused()
	{
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1009), refusal(encoded(FrameCodec::TEXT, "Hello!", false), false, 5));
		FrameCodec exact(5, false);
		std::size_t offset = 0;
		expectMessage(exact, HELLO_UNMASKED, offset, FrameCodec::TEXT, "Hello");
		// Refused from the header alone, before the payload is buffered.
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1009), refusal(bytes({0x81, 0x7F, 0, 0, 0x01, 0, 0, 0, 0, 0})));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1009), refusal(bytes({0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}), true));
		// Fragments that are small alone but too big together.
		std::string buffer = bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x00, 0x02, 0x6c, 0x6f, 0x80, 0x01, 0x21});
		FrameCodec codec(5, false);
		offset = 0;
		CPPUNIT_ASSERT_EQUAL(int(FrameCodec::ERROR), int(codec.decode(buffer, offset)));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1009), codec.closeCode());
	}

	void testMaskingRule()
	{
		// A server refuses an unmasked frame, a client a masked one.
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(HELLO_UNMASKED, true));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(HELLO_MASKED, false));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(bytes({0x89, 0x00}), true));
	}

	void testReservedBitsAndOpcodesRefused()
	{
		for (unsigned rsv: {0x40u, 0x20u, 0x10u})
			CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(bytes({0x81 | rsv, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f})));
		for (unsigned opcode: {0x3u, 0x7u, 0xBu, 0xFu})
			CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(bytes({0x80 | opcode, 0x01, 0x21})));
		// Control frames: at most 125 bytes, never fragmented.
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(encoded(FrameCodec::PING, binaryData(126), false)));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(bytes({0x09, 0x01, 0x21})));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(bytes({0x08, 0x02, 0x03, 0xE8})));
		expectOnly(false, encoded(FrameCodec::PING, binaryData(125), false), FrameCodec::PING, binaryData(125));
	}

	void testBrokenFragmentationRefused()
	{
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(bytes({0x80, 0x01, 0x21})));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(bytes({0x01, 0x01, 0x21, 0x81, 0x01, 0x21})));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(bytes({0x01, 0x01, 0x21, 0x02, 0x01, 0x21})));
	}

	void testCloseFrames()
	{
		std::string normal;
		FrameCodec::encodeClose(normal, 1000, "bye", false);
		CPPUNIT_ASSERT(normal == bytes({0x88, 0x05, 0x03, 0xE8, 'b', 'y', 'e'}));
		expectOnly(false, normal, FrameCodec::CLOSE, bytes({0x03, 0xE8, 'b', 'y', 'e'}));
		for (std::uint16_t code: {1001, 1002, 1003, 1008, 1009, 1011, 4000})
		{
			std::string frame;
			FrameCodec::encodeClose(frame, code, "", true);
			CPPUNIT_ASSERT(frame.compare(0, 2, bytes({0x88, 0x82})) == 0);
			expectOnly(true, frame, FrameCodec::CLOSE, bytes({unsigned(code >> 8), unsigned(code & 0xFF)}));
		}
		// A long reason is cut so that the frame stays a legal control frame.
		std::string longClose;
		FrameCodec::encodeClose(longClose, 1008, std::string(300, 'r'), false);
		CPPUNIT_ASSERT(static_cast<unsigned char>(longClose[1]) <= 125);
		expectOnly(false, longClose, FrameCodec::CLOSE, bytes({0x03, 0xF0}) + std::string(120, 'r'));
		expectOnly(false, bytes({0x88, 0x00}), FrameCodec::CLOSE, "");
		for (unsigned code: {1000u, 1003u, 1007u, 1011u, 1014u, 2000u, 3000u, 4999u})
			expectOnly(false, bytes({0x88, 0x02, code >> 8, code & 0xFF}), FrameCodec::CLOSE, bytes({code >> 8, code & 0xFF}));
	}

	void testMalformedCloseFramesRefused()
	{
		// RFC 6455 5.5.1: a close body starts with a two-byte code; 7.4:
		// 0-999 are not used, 1004 is reserved, 1005, 1006 and 1015 must
		// never be sent, and nothing is defined from 5000 on.
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(bytes({0x88, 0x01, 0x03})));
		for (unsigned code: {0u, 999u, 1004u, 1005u, 1006u, 1015u, 5000u, 65535u})
			CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), refusal(bytes({0x88, 0x02, code >> 8, code & 0xFF})));
	}

	void testCloseReasonCutOnCharacterBoundary()
	{
		// A reason is UTF-8 (5.5.1): cut at 120 bytes, it must not end in
		// half a character, or a strict peer fails the connection (1007).
		const std::string reason = std::string(119, 'r') + "\xC3\xA9" + "tail";
		std::string frame;
		FrameCodec::encodeClose(frame, 1008, reason, false);
		expectOnly(false, frame, FrameCodec::CLOSE, bytes({0x03, 0xF0}) + std::string(119, 'r'));
		std::string exact;
		FrameCodec::encodeClose(exact, 1008, std::string(118, 'r') + "\xC3\xA9" + "tail", false);
		expectOnly(false, exact, FrameCodec::CLOSE, bytes({0x03, 0xF0}) + std::string(118, 'r') + "\xC3\xA9");
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(FrameCodecTest);
