// COFS_API marks what libcofs exports. The library is built with hidden symbol visibility, so a
// class or function a program may name must carry it; everything else stays internal to the
// library (a shared libcofs then exports only its public API).
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define COFS_API __attribute__((visibility("default")))
#else
#define COFS_API
#endif
