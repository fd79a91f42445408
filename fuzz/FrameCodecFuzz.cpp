//
// FrameCodecFuzz.cpp
//
// libFuzzer target for the WebSocket frame decoder (net/FrameCodec).
//
// Input: byte 0 picks the side (bit 0: a server, which expects masked
// frames) and how the bytes arrive (bits 1-7: chunks of 1 to 128 bytes);
// byte 1 the message limit (1 to 16321 bytes); the rest is what the peer
// sent. Properties:
// - the offset only moves forward, never past the buffer, and past every
//   byte of a message it returns;
// - a message is within the limit (a control frame within 125 bytes), its
//   opcode one the codec knows; an error closes with 1002 or 1009;
// - the messages and the error are the same however the bytes arrive
//   (all at once, or in chunks, with the consumed bytes dropped or kept);
// - encode() then decode() gives back the payload, masked or not, and
//   encodeClose() a valid CLOSE.
//


#include "FuzzCheck.h"
#include "net/FrameCodec.h"
#include <cstdint>
#include <string>
#include <vector>


using orchd::FrameCodec;


namespace {


struct Event
{
	FrameCodec::Result result;
	int opcode;
	std::string payload;
	std::uint16_t closeCode;

	bool operator == (const Event& other) const
	{
		return result == other.result && opcode == other.opcode && payload == other.payload && closeCode == other.closeCode;
	}
};


std::vector<Event> decodeAll(const std::string& input, std::size_t chunk, bool drop, std::size_t limit, bool masked)
{
	FrameCodec codec(limit, masked);
	std::vector<Event> events;
	std::string buffer;
	std::size_t offset = 0;
	for (std::size_t at = 0; at < input.size(); at += chunk)
	{
		buffer.append(input, at, chunk);
		for (;;)
		{
			std::size_t before = offset;
			FrameCodec::Result result = codec.decode(buffer, offset);
			FUZZ_CHECK(offset >= before && offset <= buffer.size());
			if (result == FrameCodec::NEED_MORE) break;
			if (result == FrameCodec::ERROR)
			{
				FUZZ_CHECK(codec.closeCode() == 1002 || codec.closeCode() == 1009);
				FUZZ_CHECK(!codec.error().empty());
				events.push_back(Event{result, 0, std::string(), codec.closeCode()});
				return events;
			}
			FUZZ_CHECK(offset > before);
			int opcode = codec.opcode();
			const std::string& payload = codec.payload();
			if (opcode & 0x08)
			{
				FUZZ_CHECK(opcode == FrameCodec::CLOSE || opcode == FrameCodec::PING || opcode == FrameCodec::PONG);
				FUZZ_CHECK(payload.size() <= 125);
			}
			else
			{
				FUZZ_CHECK(opcode == FrameCodec::TEXT || opcode == FrameCodec::BINARY);
				FUZZ_CHECK(payload.size() <= limit);
			}
			events.push_back(Event{result, opcode, payload, 0});
		}
		if (drop)
		{
			// As the Connection does: consumed bytes go when it likes.
			buffer.erase(0, offset);
			offset = 0;
		}
	}
	return events;
}


void roundTrip(const std::string& payload, bool mask)
{
	std::string wire;
	FrameCodec::encode(wire, FrameCodec::TEXT, payload.data(), payload.size(), mask);
	FrameCodec codec(payload.size() + 1, mask);
	std::size_t offset = 0;
	FUZZ_CHECK(codec.decode(wire, offset) == FrameCodec::MESSAGE);
	FUZZ_CHECK(offset == wire.size());
	FUZZ_CHECK(codec.opcode() == FrameCodec::TEXT && codec.payload() == payload);

	std::string close;
	std::uint16_t code = static_cast<std::uint16_t>(1000 + payload.size() % 12);
	if (code == 1004 || code == 1005 || code == 1006) code = 1000;
	FrameCodec::encodeClose(close, code, payload, mask);
	FrameCodec closing(16, mask);
	offset = 0;
	FUZZ_CHECK(closing.decode(close, offset) == FrameCodec::MESSAGE);
	FUZZ_CHECK(offset == close.size() && closing.opcode() == FrameCodec::CLOSE);
	FUZZ_CHECK(closing.payload().size() >= 2 && closing.payload().size() <= 122);
	FUZZ_CHECK(closing.payload().compare(2, std::string::npos, payload, 0, closing.payload().size() - 2) == 0);
}


} // namespace


extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	if (size < 2) return 0;
	bool masked = data[0] & 1;
	std::size_t chunk = (data[0] >> 1) + 1;
	std::size_t limit = 1 + std::size_t(data[1]) * 64;
	std::string input(reinterpret_cast<const char*>(data) + 2, size - 2);

	std::vector<Event> whole = decodeAll(input, input.size() + 1, false, limit, masked);
	FUZZ_CHECK(decodeAll(input, chunk, false, limit, masked) == whole);
	FUZZ_CHECK(decodeAll(input, chunk, true, limit, masked) == whole);

	roundTrip(input, masked);
	roundTrip(input, !masked);
	return 0;
}
