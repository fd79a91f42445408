//
// WallClockStep.cpp
//
// An LD_PRELOAD library that steps one process's wall clock: the chaos run
// (tests/chaos/run.sh) starts an orchd node with it to step that node's
// CLOCK_REALTIME forward and back while it runs, as NTP or a resumed VM
// would. A network namespace has no clock of its own, and libfaketime
// 0.9.10 (Debian 12) also rewrites timed waits: under it a Poco::Event's
// tryWait returns at once, so the node would not be the one that ships.
//
// ORCHD_WALLCLOCK_FILE names a file holding the offset in whole seconds
// (for example 7200 or -600); it is read again at most every 100 ms of
// monotonic time, so writing a new number steps the clock within that.
// clock_gettime(CLOCK_REALTIME, ...), gettimeofday() and time() see the
// offset; the monotonic clocks, and so orchd's leases, timers and waits,
// do not (as on a real host, where a step moves CLOCK_REALTIME only).
//


#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>


namespace {


using ClockGettime = int (*)(clockid_t, struct timespec*);

const long long NS = 1000000000LL;
const long long REREAD_NS = 100000000LL;

long long offsetNs = 0;       // atomically read and written (__atomic)
long long readAtNs = -REREAD_NS;  // monotonic time of the last read


ClockGettime realClock()
{
	static ClockGettime fn = reinterpret_cast<ClockGettime>(dlsym(RTLD_NEXT, "clock_gettime"));
	return fn;
}


long long readOffsetNs()
	/// The file's number in nanoseconds, 0 when it is missing or unreadable.
	/// open/read only: no allocation, as a clock may be read anywhere.
{
	const char* path = std::getenv("ORCHD_WALLCLOCK_FILE");
	if (!path) return 0;
	int fd = ::open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return 0;
	char buf[32];
	ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
	::close(fd);
	if (n <= 0) return 0;
	buf[n] = '\0';
	char* end = nullptr;
	long long seconds = std::strtoll(buf, &end, 10);
	return end == buf ? 0 : seconds * NS;
}


long long currentOffsetNs()
	/// Races between threads are harmless: each stores a value read from
	/// the file, at most 100 ms old.
{
	int savedErrno = errno;
	struct timespec mono;
	realClock()(CLOCK_MONOTONIC, &mono);
	long long now = mono.tv_sec * NS + mono.tv_nsec;
	if (now - __atomic_load_n(&readAtNs, __ATOMIC_RELAXED) >= REREAD_NS)
	{
		__atomic_store_n(&offsetNs, readOffsetNs(), __ATOMIC_RELAXED);
		__atomic_store_n(&readAtNs, now, __ATOMIC_RELAXED);
	}
	errno = savedErrno;
	return __atomic_load_n(&offsetNs, __ATOMIC_RELAXED);
}


void shift(struct timespec* ts)
{
	long long ns = ts->tv_sec * NS + ts->tv_nsec + currentOffsetNs();
	ts->tv_sec = ns / NS;
	ts->tv_nsec = ns % NS;
}


} // namespace


extern "C" int clock_gettime(clockid_t clock, struct timespec* ts)
{
	int rc = realClock()(clock, ts);
	if (rc == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) shift(ts);
	return rc;
}


extern "C" int gettimeofday(struct timeval* tv, void*)
{
	struct timespec ts;
	int rc = clock_gettime(CLOCK_REALTIME, &ts);
	if (rc == 0)  // glibc declares tv non-null
	{
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	return rc;
}


extern "C" time_t time(time_t* out)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (out) *out = ts.tv_sec;
	return ts.tv_sec;
}
