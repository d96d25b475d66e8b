/* dl-digit-view.h: a small grey image (28×28 as the network sees it) shown large, crisp pixels */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_DIGIT_VIEW (dl_digit_view_get_type ())
G_DECLARE_FINAL_TYPE (DlDigitView, dl_digit_view, DL, DIGIT_VIEW, GtkWidget)

GtkWidget *dl_digit_view_new       (void);
/* pixels (28, 28) in [0, 1], ink 1; NULL shows nothing. Also sets the accessible description to
 * how much ink there is: owners who know more set theirs after this. */
void       dl_digit_view_set_image (DlDigitView *self,
                                    const float *pixels);
/* The same for an image of any size, pixels (height, width). */
void       dl_digit_view_set_image_sized (DlDigitView *self,
                                          const float *pixels,
                                          size_t       width,
                                          size_t       height);

G_END_DECLS
