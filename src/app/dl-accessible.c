/* dl-accessible.c: the label without its underscores becomes the button's one accessible name */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dl-accessible.h"

static void
name_by_label (GtkAccessible *widget,
               const char    *label,
               gboolean       use_underline)
{
  g_autoptr(GString) name = NULL;

  if (label == NULL || !use_underline)
    return;
  /* "_x" is x with a mnemonic, "__" a plain underscore; UTF-8 never uses '_' inside a character */
  name = g_string_new (NULL);
  for (const char *p = label; *p != '\0'; p++)
    {
      if (*p == '_' && p[1] != '\0')
        p++;
      g_string_append_c (name, *p);
    }
  gtk_accessible_update_property (widget, GTK_ACCESSIBLE_PROPERTY_LABEL, name->str, -1);
  gtk_accessible_reset_relation (widget, GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

void
dl_accessible_name_button (GtkButton *button)
{
  g_return_if_fail (GTK_IS_BUTTON (button));
  name_by_label (GTK_ACCESSIBLE (button), gtk_button_get_label (button),
                 gtk_button_get_use_underline (button));
}

static void
name_check_button (GtkCheckButton *button)
{
  g_return_if_fail (GTK_IS_CHECK_BUTTON (button));
  name_by_label (GTK_ACCESSIBLE (button), gtk_check_button_get_label (button),
                 gtk_check_button_get_use_underline (button));
}

void
dl_accessible_name_buttons (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if (GTK_IS_BUTTON (root))
    dl_accessible_name_button (GTK_BUTTON (root));
  else if (GTK_IS_CHECK_BUTTON (root))
    name_check_button (GTK_CHECK_BUTTON (root));
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    dl_accessible_name_buttons (child);
}
