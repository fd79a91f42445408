//
// NodeIdentity.cpp
//


#include "net/NodeIdentity.h"
#include <algorithm>
#include <cctype>


namespace orchd {
namespace NodeIdentity {


bool names(const std::vector<std::string>& certificateNames, const std::string& id)
{
	return !id.empty() && std::find(certificateNames.begin(), certificateNames.end(), id) != certificateNames.end();
}


bool covers(const std::vector<std::string>& certificateNames, const std::string& claimed)
{
	if (names(certificateNames, claimed)) return true;
	std::string::size_type dash = claimed.rfind('-');
	if (dash == std::string::npos || dash == 0 || dash + 1 == claimed.size()) return false;
	std::string number = claimed.substr(dash + 1);
	if (number.size() > 2 || number[0] == '0') return false;
	if (!std::all_of(number.begin(), number.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) return false;
	if (std::stoi(number) > 64) return false;
	return names(certificateNames, claimed.substr(0, dash));
}


std::string describe(const std::vector<std::string>& certificateNames)
{
	if (certificateNames.empty()) return "no verified certificate";
	std::string text;
	for (const auto& name: certificateNames) text += (text.empty() ? "" : ", ") + name;
	return text;
}


std::string refusal(const std::vector<std::string>& certificateNames, const std::string& field, const std::string& claimed, bool linkNames)
{
	if (linkNames ? covers(certificateNames, claimed) : names(certificateNames, claimed)) return std::string();
	std::string reason = "identity mismatch: " + field + " " + claimed + ", certificate names " + describe(certificateNames);
	if (reason.size() > 123) reason.resize(123);
	return reason;
}


} } // namespace orchd::NodeIdentity
