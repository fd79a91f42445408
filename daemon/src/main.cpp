//
// main.cpp
//
// The orchd daemon's entry point.
//


#include "server/OrchdServer.h"
#include <iostream>


POCO_SERVER_MAIN(orchd::OrchdServer)
