// Internal: shared pieces of local_cluster_{state,up,down}.cpp.
#pragma once
#include <string>
#include <vector>

#include "faultline/control/local_cluster.h"

namespace faultline::control::detail {

// Runs argv on this host (no shell); throws ClusterError with its stderr when it fails.
std::string run_host(const std::vector<std::string>& argv);
// Same, but returns false instead of throwing.
bool try_run_host(const std::vector<std::string>& argv, std::string* err = nullptr);

void write_cluster_json(const LocalClusterInfo& info);
std::string cluster_json_path(const std::string& name);
std::string cluster_data_dir(const std::string& name);
std::string netns_prefix(const std::string& name);  // "fl-<name>-"

// Lock name guarding the creation/removal of /run/netns across clusters.
inline constexpr const char* kNetnsDirLockName = "_netns_dir";

// Holds an exclusive flock on <run>/clusters/.<name>.lock for up/down of one cluster.
class ClusterLock {
 public:
  explicit ClusterLock(const std::string& name);
  ~ClusterLock();
  ClusterLock(const ClusterLock&) = delete;
  ClusterLock& operator=(const ClusterLock&) = delete;
  void remove_file();  // at the end of `down`

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace faultline::control::detail
