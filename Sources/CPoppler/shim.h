// CPoppler: the few calls of poppler-glib that read a PDF's text, wrapped so that Swift sees
// plain C types (opaque pointers, doubles, malloc'd strings) and never GLib's.
#ifndef NEX_CPOPPLER_SHIM_H
#define NEX_CPOPPLER_SHIM_H

#include <poppler.h>
#include <stdlib.h>
#include <string.h>

/// Why a PDF did not open (poppler's error codes, -1 for any other error).
enum {
    NEX_PDF_OK = 0,
    NEX_PDF_ENCRYPTED = 1,
    NEX_PDF_DAMAGED = 2,
    NEX_PDF_INVALID = 3,
    NEX_PDF_OTHER = -1
};

/// Opens a PDF held in memory (copied). Returns NULL with `*error_code` and a message (free()
/// it) when it cannot be opened.
static inline void *nex_pdf_open(const void *data, size_t length, int *error_code, char **message) {
    GBytes *bytes = g_bytes_new(data, length);
    GError *error = NULL;
    PopplerDocument *document = poppler_document_new_from_bytes(bytes, NULL, &error);
    g_bytes_unref(bytes);
    *error_code = NEX_PDF_OK;
    *message = NULL;
    if (document == NULL) {
        *error_code = NEX_PDF_OTHER;
        if (error != NULL) {
            if (error->domain == POPPLER_ERROR) {
                switch (error->code) {
                case POPPLER_ERROR_ENCRYPTED: *error_code = NEX_PDF_ENCRYPTED; break;
                case POPPLER_ERROR_DAMAGED: case POPPLER_ERROR_BAD_CATALOG: *error_code = NEX_PDF_DAMAGED; break;
                case POPPLER_ERROR_INVALID: *error_code = NEX_PDF_INVALID; break;
                default: break;
                }
            }
            *message = strdup(error->message != NULL ? error->message : "");
            g_error_free(error);
        }
    }
    return document;
}

static inline void nex_pdf_close(void *document) { g_object_unref(document); }

static inline int nex_pdf_page_count(void *document) { return poppler_document_get_n_pages((PopplerDocument *)document); }

/// The document's Title (Info dictionary or XMP), or NULL; free() it.
static inline char *nex_pdf_title(void *document) {
    gchar *title = poppler_document_get_title((PopplerDocument *)document);
    if (title == NULL) return NULL;
    char *copy = strdup(title);
    g_free(title);
    return copy;
}

static inline void *nex_pdf_page(void *document, int index) {
    return poppler_document_get_page((PopplerDocument *)document, index);
}

static inline void nex_pdf_page_close(void *page) { g_object_unref(page); }

/// The page's text in reading order, one line per visual line; free() it.
static inline char *nex_pdf_page_text(void *page) {
    gchar *text = poppler_page_get_text((PopplerPage *)page);
    if (text == NULL) return NULL;
    char *copy = strdup(text);
    g_free(text);
    return copy;
}

/// One box per character of the page's text (x1, y1, x2, y2 each), malloc'd; free() it.
/// Returns the number of boxes (0 when the page has no text layout).
static inline unsigned nex_pdf_page_boxes(void *page, double **boxes) {
    PopplerRectangle *rectangles = NULL;
    guint count = 0;
    *boxes = NULL;
    if (!poppler_page_get_text_layout((PopplerPage *)page, &rectangles, &count) || count == 0) {
        g_free(rectangles);
        return 0;
    }
    double *out = malloc(sizeof(double) * 4 * count);
    if (out == NULL) { g_free(rectangles); return 0; }
    for (guint i = 0; i < count; i++) {
        out[4 * i] = rectangles[i].x1;
        out[4 * i + 1] = rectangles[i].y1;
        out[4 * i + 2] = rectangles[i].x2;
        out[4 * i + 3] = rectangles[i].y2;
    }
    g_free(rectangles);
    *boxes = out;
    return count;
}

/// The page's text runs by font: (start character, end character inclusive, font size, flags:
/// 1 bold, 2 monospaced) each, malloc'd; free() it. Returns the number of runs.
static inline unsigned nex_pdf_page_fonts(void *page, double **runs) {
    GList *list = poppler_page_get_text_attributes((PopplerPage *)page);
    *runs = NULL;
    guint count = g_list_length(list);
    if (count == 0) { poppler_page_free_text_attributes(list); return 0; }
    double *out = malloc(sizeof(double) * 4 * count);
    if (out == NULL) { poppler_page_free_text_attributes(list); return 0; }
    guint i = 0;
    for (GList *item = list; item != NULL; item = item->next, i++) {
        PopplerTextAttributes *attributes = item->data;
        const char *font = attributes->font_name != NULL ? attributes->font_name : "";
        out[4 * i] = attributes->start_index;
        out[4 * i + 1] = attributes->end_index;
        out[4 * i + 2] = attributes->font_size;
        int bold = strstr(font, "Bold") != NULL || strstr(font, "bold") != NULL;
        int mono = strstr(font, "Mono") != NULL || strstr(font, "mono") != NULL || strstr(font, "Courier") != NULL
            || strstr(font, "Consol") != NULL;
        out[4 * i + 3] = (bold ? 1 : 0) + (mono ? 2 : 0);
    }
    poppler_page_free_text_attributes(list);
    *runs = out;
    return count;
}

#endif
