/* read_fresh: the reference for reading a large file into memory. Reads FILE (page cache warm)
 * with one read() loop into one fresh anonymous mapping, as a whole-file read into a new buffer
 * must: the cost is the read's copy plus faulting in the destination. With --huge the mapping is
 * 2 MiB-aligned and advised MADV_HUGEPAGE, so the kernel faults it in 2 MiB at a time (512 faults
 * per GiB instead of 262,144). The mapping is unmapped after each run, so every run is fresh.
 *
 *   read_fresh FILE [--huge] [RUNS]     prints: RESULT seconds=<best> vmhwm_kib=<peak RSS> */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long vm_hwm_kib(void) {
  char line[256];
  long kib = -1;
  FILE* f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) kib = strtol(line + 6, NULL, 10);
  if (f) fclose(f);
  return kib;
}

static double read_once(const char* path, int huge) {
  const size_t align = (size_t)2 << 20;
  double t0 = now();
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) return perror(path), -1;
  size_t size = (size_t)st.st_size, mapped = size + align;
  char* raw = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return perror("mmap"), -1;
  char* buf = (char*)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
  if (huge) madvise(buf, size, MADV_HUGEPAGE);
  size_t done = 0;
  while (done < size) {
    ssize_t n = read(fd, buf + done, size - done);
    if (n <= 0) return perror("read"), -1;
    done += (size_t)n;
  }
  close(fd);
  double t = now() - t0;
  munmap(raw, mapped);
  return t;
}

int main(int argc, char** argv) {
  if (argc < 2) return fprintf(stderr, "usage: read_fresh FILE [--huge] [RUNS]\n"), 2;
  int huge = argc > 2 && strcmp(argv[2], "--huge") == 0;
  int runs = argc > 2 + huge ? atoi(argv[2 + huge]) : 1;
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    double t = read_once(argv[1], huge);
    if (t < 0) return 1;
    if (t < best) best = t;
  }
  printf("RESULT seconds=%.6f vmhwm_kib=%ld\n", best, vm_hwm_kib());
  return 0;
}
