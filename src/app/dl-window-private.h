/* dl-window-private.h: what tests change in a window — where Get MNIST downloads from */
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

G_END_DECLS
