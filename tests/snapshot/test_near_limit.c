/*
 * test_near_limit.c -- the heapsnapshot_near_heap_limit key (Node's
 * --heapsnapshot-near-heap-limit=N) through the Lua module: a heap that
 * grows into its limit writes exactly N snapshots named as Node names them
 * (Heap.YYYYMMDD.HHMMSS.PID.0.SEQ.heapsnapshot, in the current
 * directory), each a readable snapshot of the growing heap; N = 0 writes
 * none.  Runs in the build directory's scratch folder.
 */
#define _POSIX_C_SOURCE 200809L /* getpid, chdir */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lua_gclab.h"
#include "snapshot_file.h"

/* Grow a chain of "Leak" objects from a rooted "Keep" in a tiny.yaml heap
 * until it runs out of memory. */
static const char script[] =
    "local gclab = require 'gclab'\n"
    "local cfg = gclab.config(...)\n"
    "cfg.heapsnapshot_near_heap_limit = tonumber(select(2, ...))\n"
    "local heap = gclab.heap(cfg)\n"
    "local prev = heap:root(heap:alloc(1, 0, 'Keep'))\n"
    "local ok, err = pcall(function()\n"
    "  for i = 1, 1000000 do local o = heap:alloc(1, 0, 'Leak'); prev[1] = o; prev = o end\n"
    "end)\n"
    "assert(not ok and err:match('heap out of memory'), err)\n";

static void run(const char *n) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  luaL_requiref(L, "gclab", luaopen_gclab, 1);
  lua_pop(L, 1);
  if (luaL_loadstring(L, script) != LUA_OK) fail_msg("%s", lua_tostring(L, -1));
  lua_pushstring(L, CONFIGS "/tiny.yaml");
  lua_pushstring(L, n);
  if (lua_pcall(L, 2, 0, 0) != LUA_OK) fail_msg("%s", lua_tostring(L, -1));
  lua_close(L);
}

/* The files this process wrote, by sequence number (1-based). */
static int find(char names[][256], int cap) {
  char suffix[64];
  int found = 0;
  DIR *d = opendir(".");
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d));) {
    for (int seq = 1; seq <= cap; seq++) {
      snprintf(suffix, sizeof suffix, ".%ld.0.%03d.heapsnapshot", (long)getpid(), seq);
      size_t n = strlen(e->d_name), m = strlen(suffix);
      if (strncmp(e->d_name, "Heap.", 5) == 0 && n == 5 + 15 + m &&
          strcmp(e->d_name + n - m, suffix) == 0) {
        snprintf(names[seq - 1], 256, "%s", e->d_name);
        found++;
      }
    }
  }
  closedir(d);
  return found;
}

static size_t count_named(gc_snapshot *s, const char *name) {
  size_t c = 0;
  for (uint32_t i = 0; i < gc_snapshot_node_count(s); i++)
    c += strcmp(gc_snapshot_node_name(s, i), name) == 0;
  return c;
}

static void writes_n_snapshots(void **state) {
  (void)state;
  char names[3][256] = {"", "", ""};
  run("2");
  assert_int_equal(find(names, 3), 2); /* 001 and 002, no third */
  size_t leaks[2];
  for (int i = 0; i < 2; i++) {
    char err[512];
    gc_snapshot *s = snapfile_read(names[i], err, sizeof err);
    if (!s) fail_msg("%s", err);
    assert_int_equal(count_named(s, "Keep"), 1);
    leaks[i] = count_named(s, "Leak");
    assert_true(leaks[i] > 1000);
    gc_snapshot_free(s);
    remove(names[i]);
  }
  assert_true(leaks[1] > leaks[0]); /* the second when the raised limit neared */
}

static void zero_writes_none(void **state) {
  (void)state;
  char names[1][256];
  run("0");
  assert_int_equal(find(names, 1), 0);
}

int main(void) {
  if (chdir(SCRATCH) != 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(writes_n_snapshots),
      cmocka_unit_test(zero_writes_none),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
