/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* wobj-demo: main() and the application's set-up. The window, its pages
 * and the headless tour live in the internal library (wk-demo-*.c). */

#include "config.h"

#include <errno.h>
#include <locale.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wk-demo-page-playground.h"
#include "wk-demo-page-stress.h"
#include "wk-demo-tour.h"
#include "wk-demo-window.h"

/* wobj-demo --tour DIR: the headless tour, and its German part. */
static char *tour_directory;
static char *tour_prefix;
static int tour_status;

static WkDemoWindow *
get_window (GtkApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (app);

  if (!WK_IS_DEMO_WINDOW (window))
    {
      window = GTK_WINDOW (wk_demo_window_new (app));
      gtk_window_present (window);
    }

  return WK_DEMO_WINDOW (window);
}

/* Shows @page and activates one of its actions, as its button would. */
static void
activate_page_action (GtkApplication *app,
                      const char     *page,
                      GType           page_type,
                      const char     *action)
{
  WkDemoWindow *window = get_window (app);

  wk_demo_window_set_visible_page (window, page);
  gtk_widget_activate_action (wk_demo_window_get_page (window, page_type), action, NULL);
}

static void
new_parent_cb (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  activate_page_action (user_data, "playground", WK_TYPE_DEMO_PAGE_PLAYGROUND, "playground.new-parent");
}

static void
toggle_mode_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  activate_page_action (user_data, "playground", WK_TYPE_DEMO_PAGE_PLAYGROUND, "playground.weak-mode");
}

static void
stress_cb (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  activate_page_action (user_data, "stress", WK_TYPE_DEMO_PAGE_STRESS, "stress.run");
}

static void
about_cb (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  const char *developers[] = { "The wobj developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (user_data),
                        "application-icon", APPLICATION_ID,
                        "application-name", _("wobj Demo"),
                        "developer-name", _("The wobj developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Weak references for GObject, like Python’s weakref module: children that hold their parent weakly, a widget browser that keeps nothing alive, and every object-finalized signal as it arrives."),
                        "website", "https://github.com/wobj/wobj",
                        "issue-url", "https://github.com/wobj/wobj/issues",
                        "license-type", GTK_LICENSE_LGPL_2_1,
                        "developers", developers,
                        /* Translators: put your names here, one a line. */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_cb (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  g_application_quit (user_data);
}

static const GActionEntry app_entries[] = {
  { "new-parent", new_parent_cb, NULL, NULL, NULL, { 0 } },
  { "toggle-mode", toggle_mode_cb, NULL, NULL, NULL, { 0 } },
  { "stress", stress_cb, NULL, NULL, NULL, { 0 } },
  { "about", about_cb, NULL, NULL, NULL, { 0 } },
  { "quit", quit_cb, NULL, NULL, NULL, { 0 } },
};

static void
startup_cb (GApplication *app)
{
  GtkApplication *gtk_app = GTK_APPLICATION (app);
  const char *new_parent_accels[] = { "<Control>n", NULL };
  const char *toggle_mode_accels[] = { "<Control>m", NULL };
  const char *stress_accels[] = { "<Control>r", NULL };
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *pages[] = { "playground", "browser", "log", "stress" };

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries, G_N_ELEMENTS (app_entries), app);

  gtk_application_set_accels_for_action (gtk_app, "app.new-parent", new_parent_accels);
  gtk_application_set_accels_for_action (gtk_app, "app.toggle-mode", toggle_mode_accels);
  gtk_application_set_accels_for_action (gtk_app, "app.stress", stress_accels);
  gtk_application_set_accels_for_action (gtk_app, "app.quit", quit_accels);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autofree char *detailed = g_strdup_printf ("win.show-page::%s", pages[i]);
      g_autofree char *accel = g_strdup_printf ("<Alt>%u", i + 1);
      const char *accels[] = { accel, NULL };

      gtk_application_set_accels_for_action (gtk_app, detailed, accels);
    }
}

static int
handle_local_options_cb (GApplication *app,
                         GVariantDict *options)
{
  if (!g_variant_dict_lookup (options, "tour", "^ay", &tour_directory))
    return -1;

  g_variant_dict_lookup (options, "tour-prefix", "s", &tour_prefix);
  if (g_mkdir_with_parents (tour_directory, 0755) != 0)
    {
      g_printerr ("wobj-demo: cannot make %s: %s\n", tour_directory, g_strerror (errno));
      return 1;
    }

  /* A tour runs on its own, even next to an open demo. */
  g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);

  return -1;
}

static void
tour_finished_cb (WkDemoTour   *tour,
                  GParamSpec   *pspec,
                  GApplication *app)
{
  tour_status = wk_demo_tour_get_n_failed (tour) > 0 ? 1 : 0;
  g_application_quit (app);
}

static void
activate_cb (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
  WkDemoTour *tour;

  if (window == NULL)
    window = GTK_WINDOW (wk_demo_window_new (GTK_APPLICATION (app)));

  if (tour_directory == NULL)
    {
      gtk_window_present (window);
      return;
    }

  /* The size of the screenshots. */
  gtk_window_set_default_size (window, 1200, 820);
  gtk_window_present (window);

  tour = wk_demo_tour_new (WK_DEMO_WINDOW (window), tour_directory, tour_prefix);
  wk_demo_tour_set_expect_translated (tour, tour_prefix != NULL);
  g_signal_connect (tour, "notify::finished", G_CALLBACK (tour_finished_cb), app);
  g_object_set_data_full (G_OBJECT (window), "wk-demo-tour", tour, g_object_unref);
  wk_demo_tour_start (tour);
}

/* The German part of the tour: this program again, in German, writing
 * de-*.png next to the English screenshots. */
static int
run_german_tour (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *lang = g_getenv ("LANG");

  g_subprocess_launcher_setenv (launcher, "LANGUAGE", "de", TRUE);
  /* glibc ignores LANGUAGE in the C locale. */
  if (lang == NULL || g_str_equal (lang, "C") || g_str_equal (lang, "POSIX") || *lang == '\0')
    g_subprocess_launcher_setenv (launcher, "LANG", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LC_ALL");
  g_subprocess_launcher_unsetenv (launcher, "LC_MESSAGES");

  process = g_subprocess_launcher_spawn (launcher, &error, "/proc/self/exe",
                                         "--tour", tour_directory, "--tour-prefix", "de-", NULL);
  if (process == NULL || !g_subprocess_wait_check (process, NULL, &error))
    {
      g_printerr ("wobj-demo: the German tour failed: %s\n", error->message);
      return 1;
    }

  return 0;
}

static const GOptionEntry options[] = {
  { "tour", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Play the scripted tour headless, save a screenshot of each step into DIR, and exit"), N_("DIR") },
  { "tour-prefix", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL, NULL, NULL },
  { NULL }
};

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = NULL;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = adw_application_new (APPLICATION_ID, G_APPLICATION_DEFAULT_FLAGS);
  g_signal_connect (app, "startup", G_CALLBACK (startup_cb), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  g_signal_connect (app, "handle-local-options", G_CALLBACK (handle_local_options_cb), NULL);
  g_application_add_main_option_entries (G_APPLICATION (app), options);

  status = g_application_run (G_APPLICATION (app), argc, argv);

  if (status == 0 && tour_directory != NULL)
    {
      status = tour_status;
      if (tour_prefix == NULL && run_german_tour () != 0)
        status = 1;
    }

  g_free (tour_directory);
  g_free (tour_prefix);

  return status;
}
