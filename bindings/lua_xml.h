/*
 * lua_xml.h -- the XML writer shared by the picture bindings.
 *
 * Every XML gclab writes (SVG heap maps, the HTML report, sweep charts,
 * JUnit) goes through libxml2's xmlTextWriter, which escapes text and
 * attribute values; nothing in gclab escapes by hand.
 */
#ifndef GCLAB_LUA_XML_H
#define GCLAB_LUA_XML_H

#include <stddef.h>

#include <libxml/xmlwriter.h>
#include <lua.h>

/* A writer into memory.  Raises a Lua error if libxml2 cannot make one;
 * the caller frees both with lgc_xml_free (also on error paths: use
 * lgc_xml_push_new to tie them to a Lua userdata instead). */
typedef struct lgc_xml {
  xmlTextWriterPtr w;
  xmlBufferPtr buf;
  int depth;    /* open elements */
  int finished; /* the document has been ended */
} lgc_xml;

/* Push a new writer userdata (metatable "gclab.xml_writer", freed by its
 * __gc) and return it.  indent: pretty-print with two spaces. */
lgc_xml *lgc_xml_push_new(lua_State *L, int indent);

/* Raise "what: XML writer error" when rc < 0 (libxml2's error return). */
void lgc_xml_check(lua_State *L, int rc, const char *what);

/* Push s as XML 1.0 text (characters XML cannot hold, and bytes that are
 * not UTF-8, replaced by U+FFFD) and return it; the caller pops it. */
const char *lgc_xml_text(lua_State *L, const char *s);

/* End every open element and the document; the text stays in x->buf. */
void lgc_xml_finish(lua_State *L, lgc_xml *x);

/* Write len bytes to path (replacing it).  Returns NULL or a message
 * "PATH: strerror" pushed on the Lua stack. */
const char *lgc_write_file(lua_State *L, const char *path, const char *data, size_t len);

/* gclab.xml_writer([opts]) (registered by lua_module.c). */
int lgc_xml_writer_new(lua_State *L);

#endif /* GCLAB_LUA_XML_H */
