#pragma once
/// The NSS services glibc loads at run time (dlopen of libnss_SERVICE.so.2 when a
/// lookup like getpwnam first needs them), as the sysroot's /etc/nsswitch.conf lists them.

#include <string>
#include <vector>

#include "program/sysroot.h"

namespace sysfence::program {

/// The library names ("libnss_systemd.so.2") of the services /etc/nsswitch.conf in `root`
/// names, in order of first mention; empty without the file. `[STATUS=action]` items
/// are not services.
std::vector<std::string> nss_service_libraries(const Sysroot& root);

}  // namespace sysfence::program
