// Shared by run.cpp and analyze.cpp (internal to runner/src).
#pragma once
#include <faultline/workloads/workload.h>

#include "faultline/runner/spec.h"

namespace faultline::runner::detail {

// The workload's options from a spec: the same for a run and for re-checking a stored one.
workloads::WorkloadOptions workload_options(const TestSpec& spec);

}  // namespace faultline::runner::detail
