/* dl-scroll-guard.h: a value widget in a scrolling page takes the wheel only once focused */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Until widget (a spin button, a scale) has the keyboard focus, scrolling over it scrolls the
 * page around it and leaves its value alone; a click or Tab gives it the wheel. */
void dl_scroll_guard_attach (GtkWidget *widget);

G_END_DECLS
