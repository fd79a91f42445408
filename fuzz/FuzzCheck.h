//
// FuzzCheck.h
//
// The one assertion of the fuzz targets: a failed property aborts, which
// libFuzzer reports as a crash and saves the input for.
//


#ifndef orchd_fuzz_FuzzCheck_INCLUDED
#define orchd_fuzz_FuzzCheck_INCLUDED


#include <cstdio>
#include <cstdlib>


#define FUZZ_CHECK(condition) \
	do \
	{ \
		if (!(condition)) \
		{ \
			std::fprintf(stderr, "property failed: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
			std::abort(); \
		} \
	} while (false)


#endif // orchd_fuzz_FuzzCheck_INCLUDED
