/* dl-accessible.h: button names for screen readers that GTK 4.8 leaves with their mnemonics */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* GTK 4.8 names a button with a mnemonic "_Start Start": its raw label, then its label's text.
 * This names it by the text alone ("Start"). Call it again after changing the label. */
void dl_accessible_name_button  (GtkButton *button);
/* The same for every button and check button with a mnemonic label inside root. */
void dl_accessible_name_buttons (GtkWidget *root);

G_END_DECLS
