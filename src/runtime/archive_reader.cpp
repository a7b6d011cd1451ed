#include "runtime/archive_reader.h"

#include <caffe2/serialize/inline_container.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "flopscope/core/error.h"

namespace flopscope {

ArchiveReader::ArchiveReader(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(ExitCode::FileNotFound, "cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int error = errno;
    ::close(fd_);
    throw Error(ExitCode::FileNotFound, "cannot read " + path + ": " + std::strerror(error));
  }
  size_ = static_cast<size_t>(st.st_size);
}

ArchiveReader::~ArchiveReader() { ::close(fd_); }

void ArchiveReader::leave_tensor_records_unread(bool on) {
  if (on && !offsets_found_) {
    // Not owned: the zip reader lives only in this block.
    const std::shared_ptr<caffe2::serialize::ReadAdapterInterface> self(std::shared_ptr<void>(), this);
    caffe2::serialize::PyTorchStreamReader archive(self);
    for (const std::string& record : archive.getAllRecords()) {
      if (record.rfind("data/", 0) == 0 || record.rfind("constants/", 0) == 0) {
        tensor_record_offsets_.insert(archive.getRecordOffset(record));
      }
    }
    offsets_found_ = true;
  }
  skipping_ = on;
  // Shapes only: the reads are a header here and there, and the kernel's read-ahead after each would
  // bring in the weights after all (128 KiB a record); a real load reads the file from end to end.
  ::posix_fadvise(fd_, 0, 0, on ? POSIX_FADV_RANDOM : POSIX_FADV_SEQUENTIAL);
}

size_t ArchiveReader::size() const { return size_; }

size_t ArchiveReader::read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const {
  if (skipping_ && pos <= size_ && n <= size_ - pos && tensor_record_offsets_.count(pos) != 0) return n;
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd_, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(pos + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // an error or the end of the file: the zip reader refuses the short read
    done += static_cast<size_t>(got);
  }
  return done;
}

std::shared_ptr<ArchiveReader> open_archive(const std::string& path) { return std::make_shared<ArchiveReader>(path); }

}  // namespace flopscope
