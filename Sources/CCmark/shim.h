// CCmark: Markdown to HTML with cmark-gfm (GitHub's fork of the CommonMark reference
// implementation), with the GitHub extensions documents use: tables, strikethrough,
// autolinks and task lists.
#ifndef NEX_CCMARK_SHIM_H
#define NEX_CCMARK_SHIM_H

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <pthread.h>
#include <stdlib.h>

static pthread_once_t nex_cmark_once = PTHREAD_ONCE_INIT;

static void nex_cmark_register(void) { cmark_gfm_core_extensions_ensure_registered(); }

/// The HTML of a Markdown document (malloc'd; free() it), or NULL. Raw HTML is kept (the
/// result is only read by our extractor, never shown as HTML).
static inline char *nex_markdown_to_html(const char *text, size_t length) {
    pthread_once(&nex_cmark_once, nex_cmark_register);
    int options = CMARK_OPT_UNSAFE | CMARK_OPT_VALIDATE_UTF8;
    cmark_parser *parser = cmark_parser_new(options);
    if (parser == NULL) return NULL;
    const char *names[] = {"table", "strikethrough", "autolink", "tasklist"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        cmark_syntax_extension *extension = cmark_find_syntax_extension(names[i]);
        if (extension != NULL) cmark_parser_attach_syntax_extension(parser, extension);
    }
    cmark_parser_feed(parser, text, length);
    cmark_node *document = cmark_parser_finish(parser);
    char *html = NULL;
    if (document != NULL) {
        html = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser));
        cmark_node_free(document);
    }
    cmark_parser_free(parser);
    return html;
}

#endif
