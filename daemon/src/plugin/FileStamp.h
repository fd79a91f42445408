//
// FileStamp.h
//
// What tells one version of a file from another: inode, size, mtime.
//


#ifndef orchd_FileStamp_INCLUDED
#define orchd_FileStamp_INCLUDED


#include <sys/stat.h>
#include <cstdint>
#include <string>


namespace orchd {


struct FileStamp
	/// A file's inode, size and modification time (ns) as stat() saw them.
	/// Two stamps differ when the file was written (size or mtime) or
	/// replaced by another file (inode: install(1), mv). A default stamp
	/// (inode 0) is "no file".
{
	std::uint64_t inode = 0;
	std::int64_t size = 0;
	std::int64_t modifiedNs = 0;

	static FileStamp of(const std::string& path)
		/// The stamp of the file at path (following a symbolic link), or a
		/// default one if it cannot be read.
	{
		FileStamp stamp;
		struct stat info{};
		if (::stat(path.c_str(), &info) != 0) return stamp;
		stamp.inode = static_cast<std::uint64_t>(info.st_ino);
		stamp.size = static_cast<std::int64_t>(info.st_size);
		stamp.modifiedNs = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
		return stamp;
	}

	bool exists() const
	{
		return inode != 0;
	}

	bool operator == (const FileStamp& other) const
	{
		return inode == other.inode && size == other.size && modifiedNs == other.modifiedNs;
	}

	bool operator != (const FileStamp& other) const
	{
		return !(*this == other);
	}
};


} // namespace orchd


#endif // orchd_FileStamp_INCLUDED
