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

bool ArchiveReader::stored_uncompressed(uint64_t data_offset) const {
  // The record's local header ends where its data starts: signature, ..., method at 8, name length at
  // 26, extra length at 28, then the name and the extra field (PyTorch's pads the data to 64 bytes).
  constexpr uint64_t kFixed = 30, kLookBack = 4096;
  const uint64_t from = data_offset > kLookBack ? data_offset - kLookBack : 0;
  std::string before(data_offset - from, '\0');
  if (read(from, before.data(), before.size()) != before.size()) return false;
  const auto le16 = [&](size_t at) {
    return static_cast<uint64_t>(static_cast<uint8_t>(before[at])) | static_cast<uint64_t>(static_cast<uint8_t>(before[at + 1])) << 8;
  };
  for (size_t at = before.size() >= kFixed ? before.size() - kFixed + 1 : 0; at-- > 0;) {
    if (before.compare(at, 4, "PK\3\4") != 0) continue;
    if (at + kFixed + le16(at + 26) + le16(at + 28) == before.size()) return le16(at + 8) == 0;
  }
  return false;
}

void ArchiveReader::leave_tensor_records_unread(bool on) {
  // Shapes only: the reads are a header here and there, and the kernel's read-ahead after each would
  // bring in the weights after all (128 KiB a record); a real load reads the file from end to end.
  ::posix_fadvise(fd_, 0, 0, on ? POSIX_FADV_RANDOM : POSIX_FADV_SEQUENTIAL);
  if (on && !offsets_found_) {
    // Not owned: the zip reader lives only in this block.
    const std::shared_ptr<caffe2::serialize::ReadAdapterInterface> self(std::shared_ptr<void>(), this);
    caffe2::serialize::PyTorchStreamReader archive(self);
    for (const std::string& record : archive.getAllRecords()) {
      if (record.rfind("data/", 0) != 0 && record.rfind("constants/", 0) != 0) continue;
      // A compressed record (an archive zipped again with deflate) is read in pieces and inflated:
      // it is read as in a real load.
      const uint64_t offset = archive.getRecordOffset(record);
      if (stored_uncompressed(offset)) tensor_record_offsets_.insert(offset);
    }
    offsets_found_ = true;
  }
  skipping_ = on;
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

}  // namespace flopscope
