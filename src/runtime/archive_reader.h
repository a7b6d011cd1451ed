#pragma once

#include <caffe2/serialize/read_adapter_interface.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>

namespace flopscope {

// A TorchScript archive as LibTorch's zip reader (PyTorchStreamReader) reads it: from one descriptor,
// opened before an isolated child enters the sandbox, with pread.
//
// For a load that needs shapes only, the tensor records (data/N: parameters and buffers; constants/N:
// the code's tensor constants, a frozen file's weights) are left unread where they are stored
// uncompressed, as PyTorch writes them. LibTorch allocates a buffer
// for each record and asks for its bytes in one read at the record's data offset; that read is
// answered without touching the disk, the buffer as the allocator gave it. The tensor becomes a meta
// tensor, its shape, dtype and stride taken from the pickles, which are read; so are the archive's
// directory, each record's local header, the code and every other record. LibTorch checks no record's
// CRC (1.13 and 2.6 alike), and a record that runs past the end of the file is still read, so that the
// short read refuses it as before.
// Held in a shared_ptr: LibTorch's readers hold their input so.
class ArchiveReader : public caffe2::serialize::ReadAdapterInterface {
 public:
  // Opens `path`; throws Error(FileNotFound).
  explicit ArchiveReader(const std::string& path);
  ~ArchiveReader() override;
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // While on, the tensor records are answered without reading them (and the kernel reads no further
  // ahead than asked). Finds the records the first time.
  void leave_tensor_records_unread(bool on);

  size_t size() const override;
  size_t read(uint64_t pos, void* buf, size_t n, const char* what = "") const override;

 private:
  // Whether the record whose data starts at `data_offset` is stored as is (zip method 0), read off its
  // local header; false when the header cannot be found.
  bool stored_uncompressed(uint64_t data_offset) const;

  int fd_ = -1;
  size_t size_ = 0;
  bool skipping_ = false;
  std::unordered_set<uint64_t> tensor_record_offsets_;  // each tensor record's data offset
  bool offsets_found_ = false;
};

}  // namespace flopscope
