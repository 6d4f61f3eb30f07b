// CLibXML2: libxml2's HTML parser and tree API.
#ifndef NEX_CLIBXML2_SHIM_H
#define NEX_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU; its headers then pull in unicode/ucnv.h, whose UErrorCode
// clashes with the one Foundation exposes. We never use libxml2's ICU encoding hooks.
#undef LIBXML_ICU_ENABLED

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/// `xmlFree` is a global function pointer, which Swift imports as a variable; call it here.
static inline void nex_xml_free(void *pointer) {
    xmlFree(pointer);
}

/// Silences libxml2's default error printing to stderr (hostile pages would flood the log).
static void nex_xml_ignore_error(void *context, const char *message, ...) {
    (void)context; (void)message;
}

static inline void nex_xml_silence_errors(void) {
    xmlSetGenericErrorFunc(NULL, nex_xml_ignore_error);
}

#endif
