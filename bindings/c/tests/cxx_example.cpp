// The header from C++17: compiled with -Wall -Wextra -pedantic -Werror by test_install.py.
#include <milvus_import.h>

#include <cstdio>
#include <memory>
#include <string>

namespace {
struct Free {
  void operator()(char *text) const noexcept { milvus_free(text); }
};
using Text = std::unique_ptr<char, Free>;
}  // namespace

int main(int argc, char **argv) {
  std::printf("%s\n", milvus_version());
  if (argc < 2) return 0;
  Text jobs{milvus_list_import_jobs(argv[1], nullptr)};
  if (!jobs) {
    std::fprintf(stderr, "%s: %s\n", milvus_status_string(milvus_last_error_code()), milvus_last_error_message());
    return 1;
  }
  std::printf("%s\n", std::string(jobs.get()).c_str());
  return 0;
}
