//
// FrameCodec.cpp
//


#include "net/FrameCodec.h"
#include "Poco/Random.h"
#include <algorithm>


namespace orchd {


namespace {


// RFC 6455 5.5.1 and 7.4: no body, or a code that may be sent plus a
// reason. 0-999 are not used, 1004 is reserved, 1005, 1006 and 1015 stand
// for "no close frame" and must never be sent, 5000 up is undefined.
bool validCloseBody(const std::string& body)
{
	if (body.empty()) return true;
	if (body.size() < 2) return false;
	unsigned code = (static_cast<unsigned char>(body[0]) << 8) | static_cast<unsigned char>(body[1]);
	return code >= 1000 && code < 5000 && code != 1004 && code != 1005 && code != 1006 && code != 1015;
}


} // namespace


FrameCodec::FrameCodec(std::size_t maxMessageBytes, bool expectMasked):
	_maxMessageBytes(maxMessageBytes),
	_expectMasked(expectMasked)
{
}


FrameCodec::Result FrameCodec::decode(const std::string& buffer, std::size_t& offset)
{
	for (;;)
	{
		std::size_t available = buffer.size() - offset;
		if (available < 2) return NEED_MORE;
		const unsigned char* p = reinterpret_cast<const unsigned char*>(buffer.data() + offset);
		bool fin = p[0] & 0x80;
		int opcode = p[0] & 0x0F;
		if (p[0] & 0x70) return fail(1002, "reserved bits set in a frame");
		bool masked = p[1] & 0x80;
		if (masked != _expectMasked) return fail(1002, masked ? "masked frame from a server" : "unmasked frame from a client");
		std::uint64_t length = p[1] & 0x7F;
		std::size_t header = 2;
		if (length == 126)
		{
			if (available < 4) return NEED_MORE;
			length = (std::uint64_t(p[2]) << 8) | p[3];
			header = 4;
		}
		else if (length == 127)
		{
			if (available < 10) return NEED_MORE;
			length = 0;
			for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
			header = 10;
		}
		bool control = opcode & 0x08;
		if (control && (length > 125 || !fin)) return fail(1002, "invalid control frame");
		// Refuse a too-big message as soon as its header says so, before
		// buffering any of it.
		if (!control && (length > _maxMessageBytes || _fragments.size() + length > _maxMessageBytes))
			return fail(1009, "message of more than " + std::to_string(_maxMessageBytes) + " bytes");
		if (masked) header += 4;
		if (available < header + length) return NEED_MORE;

		std::string data = buffer.substr(offset + header, static_cast<std::size_t>(length));
		if (masked)
		{
			const unsigned char* key = p + header - 4;
			for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(data[i] ^ key[i & 3]);
		}
		offset += header + static_cast<std::size_t>(length);

		if (control)
		{
			_opcode = opcode;
			_payload.swap(data);
			if (opcode != CLOSE && opcode != PING && opcode != PONG) return fail(1002, "unknown control opcode " + std::to_string(opcode));
			if (opcode == CLOSE && !validCloseBody(_payload)) return fail(1002, "close frame without a valid status code");
			return MESSAGE;
		}
		if (opcode == CONTINUATION)
		{
			if (_messageOpcode < 0) return fail(1002, "continuation frame without a message");
		}
		else
		{
			if (opcode != TEXT && opcode != BINARY) return fail(1002, "unknown opcode " + std::to_string(opcode));
			if (_messageOpcode >= 0) return fail(1002, "new message inside a fragmented one");
			_messageOpcode = opcode;
		}
		_fragments += data;
		if (!fin) continue;
		_opcode = _messageOpcode;
		_payload.swap(_fragments);
		_fragments.clear();
		_messageOpcode = -1;
		return MESSAGE;
	}
}


FrameCodec::Result FrameCodec::fail(std::uint16_t code, const std::string& error)
{
	_closeCode = code;
	_error = error;
	return ERROR;
}


int FrameCodec::opcode() const
{
	return _opcode;
}


const std::string& FrameCodec::payload() const
{
	return _payload;
}


const std::string& FrameCodec::error() const
{
	return _error;
}


std::uint16_t FrameCodec::closeCode() const
{
	return _closeCode;
}


void FrameCodec::encode(std::string& out, int opcode, const char* data, std::size_t length, bool mask)
{
	out.push_back(static_cast<char>(0x80 | opcode));
	char maskBit = mask ? char(0x80) : char(0);
	if (length < 126)
	{
		out.push_back(static_cast<char>(maskBit | length));
	}
	else if (length <= 0xFFFF)
	{
		out.push_back(static_cast<char>(maskBit | 126));
		out.push_back(static_cast<char>(length >> 8));
		out.push_back(static_cast<char>(length & 0xFF));
	}
	else
	{
		out.push_back(static_cast<char>(maskBit | 127));
		for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((std::uint64_t(length) >> (8 * i)) & 0xFF));
	}
	if (!mask)
	{
		out.append(data, length);
		return;
	}
	static thread_local Poco::Random random;
	unsigned char key[4];
	std::uint32_t k = random.next();
	for (int i = 0; i < 4; ++i) key[i] = static_cast<unsigned char>(k >> (8 * i));
	out.append(reinterpret_cast<const char*>(key), 4);
	std::size_t start = out.size();
	out.append(data, length);
	for (std::size_t i = 0; i < length; ++i) out[start + i] = static_cast<char>(out[start + i] ^ key[i & 3]);
}


void FrameCodec::encodeClose(std::string& out, std::uint16_t code, const std::string& reason, bool mask)
{
	std::string body;
	body.push_back(static_cast<char>(code >> 8));
	body.push_back(static_cast<char>(code & 0xFF));
	// At most 120 bytes, so the frame stays a control frame (125), cut
	// before a UTF-8 continuation byte: the reason must stay valid UTF-8.
	std::size_t cut = std::min<std::size_t>(reason.size(), 120);
	while (cut > 0 && cut < reason.size() && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;
	body.append(reason, 0, cut);
	encode(out, CLOSE, body.data(), body.size(), mask);
}


} // namespace orchd
