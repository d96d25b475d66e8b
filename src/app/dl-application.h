/* dl-application.h: the Digit Lab application */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DL_TYPE_APPLICATION (dl_application_get_type ())
G_DECLARE_FINAL_TYPE (DlApplication, dl_application, DL, APPLICATION, AdwApplication)

DlApplication *dl_application_new (void);

G_END_DECLS
