/*
 * lua_xml.c -- gclab.xml_writer(): libxml2's xmlTextWriter for Lua.
 *
 * One job: build an XML document element by element and hand it back as a
 * string or a file.  libxml2 escapes text and attribute values (& < > "
 * and control characters); the writer never escapes by hand.  Used by the
 * heap-map renderer (lua_heapmap.c, from C) and by the runner's Lua
 * modules (HTML report, sweep charts, trace plots).
 *
 *   local w = gclab.xml_writer{indent = true}
 *   w:doctype("html")                      -- <!DOCTYPE html>
 *   w:start("p", {class = "note"})          -- attributes in sorted key order
 *   w:start("t", {{"name", "x"}, {"id", 1}}) -- or as {name, value} pairs, in order
 *   w:text("a < b")  w:close()
 *   w:element("td", {align = "right"}, 42)  -- start + text + close
 *   w:raw(svg)                             -- a well-formed fragment made by a writer
 *   local s = w:finish()                   -- or w:write(path) -> true | nil, err
 *
 * Invariants: after finish() (or write()) the writer accepts nothing more;
 * every text and attribute value is XML 1.0 text (see xml_chars);
 * attribute values are strings or numbers (integers print without a
 * fraction; floats as %.14g, Lua's own format), so output is deterministic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <libxml/chvalid.h>
#include <libxml/xmlstring.h>

#include "lua_internal.h"
#include "lua_xml.h"

#define XML_MT "gclab.xml_writer"

void lgc_xml_check(lua_State *L, int rc, const char *what) {
  if (rc < 0) luaL_error(L, "%s: XML writer error (libxml2)", what);
}

static int xml_gc(lua_State *L) {
  lgc_xml *x = (lgc_xml *)luaL_checkudata(L, 1, XML_MT);
  if (x->w) xmlFreeTextWriter(x->w);
  if (x->buf) xmlBufferFree(x->buf);
  x->w = NULL;
  x->buf = NULL;
  return 0;
}

static lgc_xml *check_open(lua_State *L, const char *what) {
  lgc_xml *x = (lgc_xml *)luaL_checkudata(L, 1, XML_MT);
  if (!x->w) luaL_error(L, "%s: the writer is closed", what);
  if (x->finished) luaL_error(L, "%s: the document is already finished", what);
  return x;
}

/* Text XML 1.0 can hold: every character libxml2's xmlIsCharQ accepts.
 * Others (control characters such as an ANSI escape in an error message,
 * bytes that are not UTF-8) become U+FFFD, so that what the writer makes
 * always parses; libxml2's writer escapes but does not check this.  The
 * string at idx is replaced on the stack when something changed. */
static const char *xml_chars(lua_State *L, int idx) {
  size_t len;
  const unsigned char *s = (const unsigned char *)lua_tolstring(L, idx, &len);
  size_t i = 0;
  while (i < len && (s[i] >= 0x20 ? s[i] < 0x80 : (s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))) i++;
  if (i == len) return (const char *)s;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addlstring(&b, (const char *)s, i);
  while (i < len) {
    int n = (int)(len - i > 4 ? 4 : len - i);
    int c = xmlGetUTF8Char(s + i, &n);
    if (c < 0 || !xmlIsCharQ(c)) {
      luaL_addstring(&b, "\xef\xbf\xbd"); /* U+FFFD */
      i += c < 0 ? 1 : (size_t)n;
    } else {
      luaL_addlstring(&b, (const char *)s + i, (size_t)n);
      i += (size_t)n;
    }
  }
  luaL_pushresult(&b);
  lua_replace(L, idx);
  return lua_tostring(L, idx);
}

const char *lgc_xml_text(lua_State *L, const char *s) {
  lua_pushstring(L, s);
  return xml_chars(L, lua_gettop(L));
}

/* A string or number argument as text (numbers in Lua's own format). */
static const char *text_arg(lua_State *L, int idx, const char *what) {
  int t = lua_type(L, idx);
  if (t != LUA_TSTRING && t != LUA_TNUMBER)
    luaL_error(L, "bad argument #%d to '%s' (string or number expected, got %s)", idx - 1, what,
               luaL_typename(L, idx));
  lua_tostring(L, idx); /* a number becomes its text in place */
  return xml_chars(L, idx);
}

/* An XML name of len bytes: letters, digits, _ - . : and not starting
 * with a digit, - or . (a subset of XML's Name, enough for SVG and XHTML).
 * A NUL byte makes it no name (C would read the part before it). */
static int valid_name(const char *s, size_t len) {
  int ok = *s != '\0' && !lgc_has_nul(s, len) && !(*s >= '0' && *s <= '9') && *s != '-' && *s != '.';
  for (const char *p = s; ok && *p; p++) {
    char c = *p;
    ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':';
  }
  return ok;
}

static const char *name_arg(lua_State *L, int idx, const char *what) {
  size_t len;
  const char *s = luaL_checklstring(L, idx, &len);
  if (!valid_name(s, len))
    luaL_error(L, "bad argument #%d to '%s' (not an XML name: '%s'%s)", idx - 1, what, s, lgc_nul_note(s, len));
  return s;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void write_attr(lua_State *L, lgc_xml *x, const char *name, size_t len, const char *what) {
  if (!valid_name(name, len))
    luaL_error(L, "%s: not an XML attribute name: '%s'%s", what, name, lgc_nul_note(name, len));
  int t = lua_type(L, -1);
  if (t != LUA_TSTRING && t != LUA_TNUMBER)
    luaL_error(L, "%s: attribute '%s' must be a string or number (got %s)", what, name, luaL_typename(L, -1));
  lua_tostring(L, -1); /* a number is converted on the stack, not in the table */
  const char *v = xml_chars(L, lua_gettop(L));
  lgc_xml_check(L, xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST v), what);
}

/* Write the attributes of the table at idx (if any): a list of {name,
 * value} pairs in its order, or a map in sorted key order.  A name given
 * twice in the list is refused before it is written (XML allows one). */
static void write_attrs(lua_State *L, lgc_xml *x, int idx, const char *what) {
  if (lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_Integer npairs = (lua_Integer)lua_rawlen(L, idx);
  if (npairs > 0) {
    lua_newtable(L); /* the names written so far */
    int seen = lua_gettop(L);
    for (lua_Integer i = 1; i <= npairs; i++) {
      if (lua_rawgeti(L, idx, i) != LUA_TTABLE || lua_rawgeti(L, -1, 1) != LUA_TSTRING)
        luaL_error(L, "%s: attribute %d must be a {name, value} pair", what, (int)i);
      size_t len;
      const char *name = lua_tolstring(L, -1, &len);
      lua_pushvalue(L, -1);
      if (lua_rawget(L, seen) != LUA_TNIL)
        luaL_error(L, "%s: attribute '%s'%s given twice", what, name, lgc_nul_note(name, len));
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      lua_pushboolean(L, 1);
      lua_rawset(L, seen);
      lua_rawgeti(L, -2, 2);
      write_attr(L, x, name, len, what);
      lua_pop(L, 3);
    }
    lua_pop(L, 1); /* seen */
    return;
  }
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "%s: attribute names must be strings (got a %s key)", what, luaL_typename(L, -2));
    size_t len;
    const char *name = lua_tolstring(L, -2, &len);
    if (lgc_has_nul(name, len)) /* sorted and looked up below as C strings */
      luaL_error(L, "%s: not an XML attribute name: '%s' followed by a NUL byte", what, name);
    n++;
    lua_pop(L, 1);
  }
  if (n == 0) return;
  const char **keys = (const char **)lua_newuserdatauv(L, n * sizeof *keys, 0);
  size_t i = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    keys[i++] = lua_tostring(L, -2); /* anchored by the table */
    lua_pop(L, 1);
  }
  qsort(keys, n, sizeof *keys, cmp_str);
  for (i = 0; i < n; i++) {
    lua_getfield(L, idx, keys[i]);
    write_attr(L, x, keys[i], strlen(keys[i]), what);
    lua_pop(L, 1);
  }
  lua_pop(L, 1); /* keys */
}

static int xml_start(lua_State *L) {
  lgc_xml *x = check_open(L, "start");
  const char *name = name_arg(L, 2, "start");
  lgc_xml_check(L, xmlTextWriterStartElement(x->w, BAD_CAST name), "start");
  x->depth++;
  write_attrs(L, x, 3, "start");
  lua_settop(L, 1);
  return 1;
}

static int xml_attr(lua_State *L) {
  lgc_xml *x = check_open(L, "attr");
  const char *name = name_arg(L, 2, "attr");
  const char *v = text_arg(L, 3, "attr");
  if (x->depth == 0) return luaL_error(L, "attr: no element is open");
  lgc_xml_check(L, xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST v), "attr");
  lua_settop(L, 1);
  return 1;
}

static int xml_text(lua_State *L) {
  lgc_xml *x = check_open(L, "text");
  const char *s = text_arg(L, 2, "text");
  if (x->depth == 0) return luaL_error(L, "text: no element is open");
  lgc_xml_check(L, xmlTextWriterWriteString(x->w, BAD_CAST s), "text");
  lua_settop(L, 1);
  return 1;
}

static int xml_comment(lua_State *L) {
  lgc_xml *x = check_open(L, "comment");
  luaL_checkstring(L, 2);
  const char *s = xml_chars(L, 2);
  if (strstr(s, "--")) return luaL_error(L, "bad argument #1 to 'comment' (a comment cannot hold '--')");
  lgc_xml_check(L, xmlTextWriterWriteComment(x->w, BAD_CAST s), "comment");
  lua_settop(L, 1);
  return 1;
}

/* raw(fragment): markup another writer made (e.g. heap:map's SVG), copied
 * as it is, its XML declaration dropped.  It is checked for one thing
 * only, that it starts with '<': it must come from a writer. */
static int xml_raw(lua_State *L) {
  lgc_xml *x = check_open(L, "raw");
  size_t len;
  const char *s = luaL_checklstring(L, 2, &len);
  if (strncmp(s, "<?xml", 5) == 0) {
    const char *e = strstr(s, "?>");
    if (!e) return luaL_error(L, "bad argument #1 to 'raw' (an unterminated XML declaration)");
    s = e + 2;
    while (*s == '\n' || *s == '\r' || *s == ' ') s++;
  }
  if (*s != '<') return luaL_error(L, "bad argument #1 to 'raw' (markup starting with '<' expected)");
  if (x->depth == 0) return luaL_error(L, "raw: no element is open");
  lgc_xml_check(L, xmlTextWriterWriteRaw(x->w, BAD_CAST s), "raw");
  lua_settop(L, 1);
  return 1;
}

static int xml_close(lua_State *L) {
  lgc_xml *x = check_open(L, "close");
  if (x->depth == 0) return luaL_error(L, "close: no element is open");
  lgc_xml_check(L, xmlTextWriterFullEndElement(x->w), "close");
  x->depth--;
  lua_settop(L, 1);
  return 1;
}

/* element(name [, attrs [, text]]) */
static int xml_element(lua_State *L) {
  lgc_xml *x = check_open(L, "element");
  const char *name = name_arg(L, 2, "element");
  lgc_xml_check(L, xmlTextWriterStartElement(x->w, BAD_CAST name), "element");
  x->depth++;
  write_attrs(L, x, 3, "element");
  if (!lua_isnoneornil(L, 4)) {
    const char *s = text_arg(L, 4, "element");
    lgc_xml_check(L, xmlTextWriterWriteString(x->w, BAD_CAST s), "element");
    lgc_xml_check(L, xmlTextWriterFullEndElement(x->w), "element");
  } else {
    lgc_xml_check(L, xmlTextWriterEndElement(x->w), "element");
  }
  x->depth--;
  lua_settop(L, 1);
  return 1;
}

static int xml_doctype(lua_State *L) {
  lgc_xml *x = check_open(L, "doctype");
  const char *name = name_arg(L, 2, "doctype");
  lgc_xml_check(L, xmlTextWriterWriteDTD(x->w, BAD_CAST name, NULL, NULL, NULL), "doctype");
  lgc_xml_check(L, xmlTextWriterWriteRaw(x->w, BAD_CAST "\n"), "doctype");
  lua_settop(L, 1);
  return 1;
}

void lgc_xml_finish(lua_State *L, lgc_xml *x) {
  if (x->finished) return;
  lgc_xml_check(L, xmlTextWriterEndDocument(x->w), "finish");
  lgc_xml_check(L, xmlTextWriterFlush(x->w), "finish");
  x->depth = 0;
  x->finished = 1;
}

static int xml_finish(lua_State *L) {
  lgc_xml *x = (lgc_xml *)luaL_checkudata(L, 1, XML_MT);
  if (!x->w) return luaL_error(L, "finish: the writer is closed");
  lgc_xml_finish(L, x);
  lua_pushlstring(L, (const char *)xmlBufferContent(x->buf), (size_t)xmlBufferLength(x->buf));
  return 1;
}

const char *lgc_write_file(lua_State *L, const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return lua_pushfstring(L, "%s: %s", path, strerror(errno));
  size_t w = fwrite(data, 1, len, f);
  int err = w != len ? errno : 0;
  if (fclose(f) != 0 && !err) err = errno;
  if (err || w != len) return lua_pushfstring(L, "%s: %s", path, strerror(err ? err : EIO));
  return NULL;
}

/* write(path) -> true | nil, message */
static int xml_write(lua_State *L) {
  lgc_xml *x = (lgc_xml *)luaL_checkudata(L, 1, XML_MT);
  const char *path = lgc_check_path(L, 2, "write");
  if (!x->w) return luaL_error(L, "write: the writer is closed");
  lgc_xml_finish(L, x);
  const char *err = lgc_write_file(L, path, (const char *)xmlBufferContent(x->buf),
                                   (size_t)xmlBufferLength(x->buf));
  if (err) {
    luaL_pushfail(L);
    lua_insert(L, -2);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

lgc_xml *lgc_xml_push_new(lua_State *L, int indent) {
  lgc_xml *x = (lgc_xml *)lua_newuserdatauv(L, sizeof *x, 0);
  memset(x, 0, sizeof *x);
  if (luaL_newmetatable(L, XML_MT)) {
    static const luaL_Reg m[] = {
        {"start", xml_start},   {"attr", xml_attr},       {"text", xml_text},
        {"comment", xml_comment}, {"raw", xml_raw},       {"close", xml_close},
        {"element", xml_element}, {"doctype", xml_doctype}, {"finish", xml_finish},
        {"write", xml_write},   {NULL, NULL}};
    luaL_setfuncs(L, m, 0);
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, xml_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, XML_MT);
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
  x->buf = xmlBufferCreate();
  if (x->buf) x->w = xmlNewTextWriterMemory(x->buf, 0);
  if (!x->w) luaL_error(L, "gclab.xml_writer: libxml2 could not make a writer (out of memory)");
  if (indent) {
    xmlTextWriterSetIndent(x->w, 1);
    xmlTextWriterSetIndentString(x->w, BAD_CAST "  ");
  }
  lgc_xml_check(L, xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL), "gclab.xml_writer");
  return x;
}

/* gclab.xml_writer([{indent = bool}]) */
int lgc_xml_writer_new(lua_State *L) {
  int indent = 0;
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const known[] = {"indent", NULL};
    lgc_check_options(L, 1, "gclab.xml_writer", known);
    lua_getfield(L, 1, "indent");
    indent = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  lgc_xml_push_new(L, indent);
  return 1;
}
