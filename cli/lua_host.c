/*
 * lua_host.c -- the Lua state the `gclab` command runs scripts in.
 *
 * A host state has the standard libraries, `gclab` preloaded (the static
 * module, so the command needs no package.cpath), the runner's own Lua
 * modules (scripts/runner/ (every .lua file), embedded at build time by cli/cli.cmake as
 * C arrays, so `gclab` works from any directory) and a small native module
 * `gclab.runner.sys` with the file-system calls the runner needs and plain
 * Lua lacks (listdir, kind, mkdir, getcwd, realpath: baselines are files in
 * directories; monotonic: the per-scenario time limit; comments: a Lua
 * file whose lines reach stdout as TAP comments, so what a scenario prints
 * cannot forge a TAP line).  GCLAB_RUNNER_DIR=DIR loads the runner's Lua from DIR instead
 * (for working on the runner without rebuilding).
 */
#define _GNU_SOURCE /* POSIX.1-2008, realpath, fopencookie */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "cli.h"
#include "lua_gclab.h"
#ifdef GCLAB_HAVE_CONFIG
#include "gclab_config.h" /* Node's heap flags on the command line */
#endif

/* ------------------------------------------------------ gclab.runner.sys */

/* listdir(path) -> { names... } (unsorted, without . and ..) | nil, err */
static int sys_listdir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  DIR *d = opendir(path);
  if (!d) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  lua_newtable(L);
  lua_Integer n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    lua_pushstring(L, e->d_name);
    lua_rawseti(L, -2, ++n);
  }
  closedir(d);
  return 1;
}

/* kind(path) -> "file" | "directory" | "special file" | nil, message, missing
 * (missing: true when nothing is there; false when stat failed otherwise,
 * e.g. a symbolic link loop or a directory that cannot be searched) */
static int sys_kind(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  if (stat(path, &st) != 0) {
    int e = errno;
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, strerror(e));
    lua_pushboolean(L, e == ENOENT || e == ENOTDIR);
    return 3;
  }
  lua_pushstring(L, S_ISDIR(st.st_mode)   ? "directory"
                    : S_ISREG(st.st_mode) ? "file"
                                          : "special file");
  return 1;
}

/* mkdir(path) -> true | nil, err   (one level; an existing directory is fine) */
static int sys_mkdir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  if (mkdir(path, 0777) != 0 && !(errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* getcwd() -> path | nil, err */
static int sys_getcwd(lua_State *L) {
  char *p = getcwd(NULL, 0);
  if (!p) {
    luaL_pushfail(L);
    lua_pushstring(L, strerror(errno));
    return 2;
  }
  lua_pushstring(L, p);
  free(p);
  return 1;
}

/* realpath(path) -> absolute path without symlinks, . or .. | nil, err */
static int sys_realpath(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  char *p = realpath(path, NULL);
  if (!p) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  lua_pushstring(L, p);
  free(p);
  return 1;
}

/* monotonic() -> seconds (a float) on a clock that never goes back */
static int sys_monotonic(lua_State *L) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return luaL_error(L, "monotonic: %s", strerror(errno));
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}

/* The comment stream: an unbuffered FILE whose bytes go to stdout with
 * "# " at the start of every line (a line break inside the text starts
 * another comment).  The other control characters but a tab are written
 * as the runner's report.lua writes them in diagnostics (\0, \r, \x1b):
 * a CR or an ESC could overwrite or forge a TAP line on a terminal, a NUL
 * corrupt the stream.  Invariant: mid_line is true when the last byte sent
 * to stdout through it was not a newline. */
static int comment_mid_line;
static FILE *comment_file; /* closed by host_close, after the state */

static ssize_t comment_write(void *cookie, const char *buf, size_t size) {
  (void)cookie;
  for (size_t i = 0; i < size; i++) {
    unsigned char c = (unsigned char)buf[i];
    if (!comment_mid_line && fputs("# ", stdout) == EOF) return -1;
    int ok;
    if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f)) ok = putc(c, stdout) != EOF;
    else if (c == '\0') ok = fputs("\\0", stdout) != EOF;
    else if (c == '\r') ok = fputs("\\r", stdout) != EOF;
    else ok = printf("\\x%02x", c) > 0;
    if (!ok) return -1;
    comment_mid_line = c != '\n';
  }
  return (ssize_t)size;
}

/* A standard stream: closing it is refused, as io.stdout's is. */
static int comment_noclose(lua_State *L) {
  luaL_Stream *p = (luaL_Stream *)luaL_checkudata(L, 1, LUA_FILEHANDLE);
  p->closef = &comment_noclose;
  luaL_pushfail(L);
  lua_pushliteral(L, "cannot close standard file");
  return 2;
}

/* comments() -> the comment stream as a Lua file (the same one each call) */
static int sys_comments(lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, "gclab.runner.comments") != LUA_TNIL) return 1;
  lua_pop(L, 1);
  luaL_Stream *p = (luaL_Stream *)lua_newuserdatauv(L, sizeof *p, 0);
  p->closef = NULL; /* not yet a file, if fopencookie fails */
  luaL_setmetatable(L, LUA_FILEHANDLE);
  static const cookie_io_functions_t io = {NULL, comment_write, NULL, NULL};
  if (!comment_file) {
    comment_file = fopencookie(NULL, "w", io);
    if (!comment_file) return luaL_error(L, "comments: %s", strerror(errno));
    setvbuf(comment_file, NULL, _IONBF, 0);
  }
  p->f = comment_file;
  p->closef = &comment_noclose;
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, "gclab.runner.comments");
  return 1;
}

/* end_comment() -> true if a comment line was open and is now ended */
static int sys_end_comment(lua_State *L) {
  int open = comment_mid_line;
  if (open) {
    putc('\n', stdout);
    comment_mid_line = 0;
  }
  lua_pushboolean(L, open);
  return 1;
}

static int sys_version(lua_State *L) {
  lua_pushstring(L, GCLAB_VERSION_STRING);
  return 1;
}

static int open_sys(lua_State *L) {
  static const luaL_Reg f[] = {
      {"listdir", sys_listdir}, {"kind", sys_kind},       {"mkdir", sys_mkdir},
      {"getcwd", sys_getcwd},   {"realpath", sys_realpath}, {"version", sys_version},
      {"monotonic", sys_monotonic}, {"comments", sys_comments}, {"end_comment", sys_end_comment},
      {NULL, NULL}};
  luaL_newlib(L, f);
  return 1;
}

/* ------------------------------------------------------ embedded modules */

/* package.preload loader for an embedded module: upvalue 1 is its index. */
static int load_embedded(lua_State *L) {
  const gclab_embedded *m = &gclab_runner_modules[lua_tointeger(L, lua_upvalueindex(1))];
  const char *dir = getenv("GCLAB_RUNNER_DIR");
  int st;
  if (dir && *dir) {
    lua_pushfstring(L, "%s/%s", dir, m->file);
    st = luaL_loadfile(L, lua_tostring(L, -1));
  } else {
    lua_pushfstring(L, "@runner/%s", m->file);
    st = luaL_loadbufferx(L, (const char *)m->data, m->len, lua_tostring(L, -1), "t");
  }
  if (st != LUA_OK) return lua_error(L);
  lua_pushvalue(L, 1); /* module name */
  lua_call(L, 1, 1);
  return 1;
}

lua_State *gclab_host_new(void) {
  lua_State *L = luaL_newstate();
  if (!L) return NULL;
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_gclab);
  lua_setfield(L, -2, "gclab");
  lua_pushcfunction(L, open_sys);
  lua_setfield(L, -2, "gclab.runner.sys");
  for (lua_Integer i = 0; gclab_runner_modules[i].name; i++) {
    lua_pushinteger(L, i);
    lua_pushcclosure(L, load_embedded, 1);
    lua_setfield(L, -2, gclab_runner_modules[i].name);
  }
  lua_pop(L, 1);
  return L;
}

/* Close a host state, then what its sys module opened. */
static void host_close(lua_State *L) {
  lua_close(L);
  if (comment_file) {
    fclose(comment_file);
    comment_file = NULL;
    comment_mid_line = 0;
  }
}

/* Message handler: the error with a traceback. */
static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (!msg) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/* Call the function below `nargs` arguments on the stack; report an error
 * on stderr, with a traceback or (with_traceback false: a refusal of the
 * command line's input) the message alone.  Returns the number of results
 * left on the stack or -1. */
static int pcall_report_as(lua_State *L, int nargs, int nres, const char *prog, bool with_traceback) {
  int base = lua_gettop(L) - nargs;
  if (with_traceback) {
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
  }
  int st = lua_pcall(L, nargs, nres, with_traceback ? base : 0);
  if (with_traceback) lua_remove(L, base);
  if (st != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "%s: %s\n", prog, msg ? msg : "(error object is not a string)");
    lua_pop(L, 1);
    return -1;
  }
  return nres;
}

static int pcall_report(lua_State *L, int nargs, int nres, const char *prog) {
  return pcall_report_as(L, nargs, nres, prog, true);
}

/* require(module).main(pre..., args...) -> exit status (run, sweep, trace). */
static int host_module_with(const char *module, const char *prog, int npre, const char *const *pre,
                            int argc, char **argv) {
  lua_State *L = gclab_host_new();
  if (!L) {
    fputs("gclab: cannot create a Lua state (out of memory)\n", stderr);
    return 2;
  }
  int status = 2;
  lua_getglobal(L, "require");
  lua_pushstring(L, module);
  if (pcall_report(L, 1, 1, prog) == 1) {
    lua_getfield(L, -1, "main");
    lua_createtable(L, argc + npre, 0);
    for (int i = 0; i < npre; i++) {
      lua_pushstring(L, pre[i]);
      lua_rawseti(L, -2, i + 1);
    }
    for (int i = 0; i < argc; i++) {
      lua_pushstring(L, argv[i]);
      lua_rawseti(L, -2, npre + i + 1);
    }
    if (pcall_report(L, 1, 1, prog) == 1) {
      int isnum;
      lua_Integer rc = lua_tointegerx(L, -1, &isnum);
      status = isnum ? (int)rc : 2;
    }
  }
  host_close(L);
  /* output that did not reach its file (a full disk, a closed pipe) is no
   * result: a run whose output is lost never exits 0 */
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "%s: writing the output to stdout: %s\n", prog, strerror(errno));
    status = 2;
  }
  return status;
}

int gclab_host_module(const char *module, const char *prog, int argc, char **argv) {
  return host_module_with(module, prog, 0, NULL, argc, argv);
}

/* `gclab run ARGS...`: require("gclab.runner").main(args) -> exit status. */
int gclab_host_run(int argc, char **argv) {
#ifdef GCLAB_HAVE_CONFIG
  /* Node's heap flags: one --set flags=... before the user's --set, and
   * --gc-interval=N as --stress N (docs/configuration.md, "Node's flags"). */
  gclab_cli_flags fl;
  int frc = gclab_cli_flags_extract("gclab run", &argc, argv, 0, 1, &fl, stderr);
  if (frc) return frc;
  char interval[32] = "";
  if (fl.gc_interval >= 0) snprintf(interval, sizeof interval, "%lld", fl.gc_interval);
  const char *pre[4];
  int npre = 0;
  if (fl.set) pre[npre++] = "--set", pre[npre++] = fl.set;
  if (fl.gc_interval >= 0) pre[npre++] = "--stress", pre[npre++] = interval;
  int status = host_module_with("gclab.runner", "gclab run", npre, pre, argc, argv);
  gclab_cli_flags_free(&fl);
  return status;
#else
  return host_module_with("gclab.runner", "gclab run", 0, NULL, argc, argv);
#endif
}

/* `gclab lua SCRIPT [ARGS...]`: run a plain Lua script (arg as in lua5.4). */
#ifdef GCLAB_HAVE_CONFIG
/* `gclab lua` with heap flags: gclab.defaults{set = {"flags=..."}, stress = N},
 * so every heap the script makes starts from them.  0 or -1 (reported). */
static int script_flags(lua_State *L, const gclab_cli_flags *fl) {
  if (!fl->set && fl->gc_interval < 0) return 0;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "gclab");
  if (pcall_report(L, 1, 1, "gclab lua") < 0) return -1;
  lua_getfield(L, -1, "defaults");
  lua_createtable(L, 0, 2);
  if (fl->set) {
    lua_createtable(L, 1, 0);
    lua_pushstring(L, fl->set);
    lua_rawseti(L, -2, 1);
    lua_setfield(L, -2, "set");
  }
  if (fl->gc_interval >= 0) {
    lua_pushinteger(L, (lua_Integer)fl->gc_interval);
    lua_setfield(L, -2, "stress");
  }
  /* a refusal is the command line's: its message, without a traceback */
  int rc = pcall_report_as(L, 1, 0, "gclab lua", false);
  lua_pop(L, 1); /* the module */
  return rc < 0 ? -1 : 0;
}
#endif

static const char lua_usage[] =
    "usage: gclab lua [HEAP-FLAG]... SCRIPT [ARGS...]\n"
    "\n"
    "Run the Lua 5.4 script SCRIPT (- reads standard input) with the module\n"
    "gclab preloaded (require \"gclab\"); ARGS are in the global arg, as lua5.4\n"
    "puts them.  HEAP-FLAG: Node's heap flags (--max-old-space-size=64, ...),\n"
    "the base of every gclab.heap() the script makes (docs/configuration.md).\n"
    "\n"
    "exit status: 0 ok, 1 the script raised an error, 2 usage error;\n"
    "os.exit(N) passes N through.  docs: docs/lua-api.md\n";

int gclab_host_script(int argc, char **argv) {
  if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
    fputs(lua_usage, stdout);
    return 0;
  }
#ifdef GCLAB_HAVE_CONFIG
  gclab_cli_flags fl;
  int frc = gclab_cli_flags_extract("gclab lua", &argc, argv, 1, 0, &fl, stderr);
  if (frc) return frc;
#endif
  if (argc >= 1 && argv[0][0] == '-' && argv[0][1]) { /* not a heap flag, not a script */
    fprintf(stderr, "gclab lua: unknown option '%s' (before SCRIPT only heap flags: "
                    "docs/configuration.md)\nTry 'gclab lua --help'.\n",
            argv[0]);
#ifdef GCLAB_HAVE_CONFIG
    gclab_cli_flags_free(&fl);
#endif
    return 2;
  }
  lua_State *L = argc < 1 ? NULL : gclab_host_new();
  if (!L) {
    fputs(argc < 1 ? "gclab lua: expected a script: gclab lua [HEAP-FLAG]... SCRIPT [ARGS...]\n"
                   : "gclab: cannot create a Lua state (out of memory)\n",
          stderr);
#ifdef GCLAB_HAVE_CONFIG
    gclab_cli_flags_free(&fl);
#endif
    return 2;
  }
  lua_createtable(L, argc - 1, 1);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_setglobal(L, "arg");
  int status = 0;
#ifdef GCLAB_HAVE_CONFIG
  if (script_flags(L, &fl) < 0) status = 2;
  gclab_cli_flags_free(&fl);
#endif
  if (status) {
    /* reported */
  } else if (luaL_loadfile(L, strcmp(argv[0], "-") == 0 ? NULL : argv[0]) != LUA_OK) {
    fprintf(stderr, "gclab lua: %s\n", lua_tostring(L, -1));
    status = 1;
  } else {
    for (int i = 1; i < argc; i++) lua_pushstring(L, argv[i]);
    if (pcall_report(L, argc - 1, 0, "gclab lua") < 0) status = 1;
  }
  fflush(stdout);
  host_close(L);
  return status;
}
