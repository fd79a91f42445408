//
// RuleStatements.cpp
//


#include "store/RuleStatements.h"


namespace orchd {


POCO_IMPLEMENT_EXCEPTION(StoreRetryException, Poco::Data::DataException, "Store conflict, to be retried")
POCO_IMPLEMENT_EXCEPTION(StoreTransactionLostException, StoreRetryException, "Store transaction rolled back, to be retried")


} // namespace orchd
