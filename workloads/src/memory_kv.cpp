#include <mutex>

#include <faultline/sut/kv_store.h>
#include <faultline/sut/protocol.h>
#include <faultline/workloads/client.h>

namespace faultline::workloads {

struct MemoryKv::Impl {
  std::mutex mu;
  sut::KvStore store;
};

namespace {
class MemoryClient : public SutClient {
 public:
  MemoryClient(MemoryKv& kv, std::string node) : kv_(kv), node_(std::move(node)) {}
  const std::string& node() const override { return node_; }
  Reply call(const Json& request) override { return kv_.apply(request); }

 private:
  MemoryKv& kv_;
  std::string node_;
};
}  // namespace

MemoryKv::MemoryKv() : impl_(std::make_shared<Impl>()) {}
MemoryKv::~MemoryKv() = default;

std::unique_ptr<SutClient> MemoryKv::client(const std::string& node) {
  return std::make_unique<MemoryClient>(*this, node);
}

Reply MemoryKv::apply(const Json& request) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  sut::KvResult r = impl_->store.apply(request);
  Reply reply;
  reply.ok = r.ok;
  if (r.ok) {
    reply.value = std::move(r.value);
  } else {
    reply.error = std::string(sut::to_string(r.error));
    reply.message = r.message;
  }
  return reply;
}

}  // namespace faultline::workloads
