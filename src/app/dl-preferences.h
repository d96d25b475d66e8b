/* dl-preferences.h: the Preferences window, and the style preference applied to the app */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

GtkWidget *dl_preferences_new         (GtkWindow *parent);
/* Keeps libadwaita's colour scheme in step with the "color-scheme" setting. */
void       dl_preferences_bind_style  (GSettings *settings);

G_END_DECLS
