// Minimal assertions for the native tests (no framework: the tests must build anywhere a compiler does).
#ifndef RPLPIPE_TEST_CHECK_H_
#define RPLPIPE_TEST_CHECK_H_

#include <cstdio>
#include <cstdlib>

inline int g_failures = 0;
inline int g_checks = 0;

#define CHECK(cond)                                                                   \
  do {                                                                                \
    ++g_checks;                                                                       \
    if (!(cond)) {                                                                    \
      ++g_failures;                                                                   \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                                 \
  } while (0)

#endif  // RPLPIPE_TEST_CHECK_H_
