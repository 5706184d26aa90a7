/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * standalone-main.c: runs fuzz-containers.c on input files without
 * libFuzzer, for the meson test suite 'fuzz-regressions' (any compiler).
 *
 *   fuzz-containers-standalone FILE-OR-DIRECTORY...
 *
 * Every regular file named, or found directly in a directory named, is
 * one input, run in a child process of its own (the harness abort()s on a
 * failure), so that every failing input is reported. The output is TAP:
 * one test point per input. The exit status is non-zero if any failed.
 *
 * FUZZ_NO_FORK=1 runs the inputs in this process instead (for a debugger).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "fuzz-containers.h"

static int n_run;
static int n_failed;

static void
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;
  gboolean no_fork = g_strcmp0 (g_getenv ("FUZZ_NO_FORK"), "1") == 0;
  int status = 0;

  n_run++;
  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      printf ("not ok %d - %s: %s\n", n_run, path, error->message);
      n_failed++;
      return;
    }
  fflush (stdout);
  fflush (stderr);

  if (no_fork)
    LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  else
    {
      pid_t pid = fork ();

      if (pid < 0)
        {
          perror ("fork");
          exit (1);
        }
      if (pid == 0)
        {
          LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
          fflush (stdout);
          fflush (stderr);
          _exit (0);
        }
      if (waitpid (pid, &status, 0) < 0)
        {
          perror ("waitpid");
          exit (1);
        }
    }

  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    printf ("ok %d - %s (%" G_GSIZE_FORMAT " bytes)\n", n_run, path, length);
  else
    {
      n_failed++;
      if (WIFSIGNALED (status))
        printf ("not ok %d - %s (%" G_GSIZE_FORMAT " bytes): killed by signal %d\n",
                n_run, path, length, WTERMSIG (status));
      else
        printf ("not ok %d - %s (%" G_GSIZE_FORMAT " bytes): exit status %d\n",
                n_run, path, length, WEXITSTATUS (status));
    }
  fflush (stdout);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

int
main (int   argc,
      char *argv[])
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
          g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
          const char *name;

          if (dir == NULL)
            {
              fprintf (stderr, "cannot open %s\n", argv[i]);
              return 1;
            }
          while ((name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *path = g_build_filename (argv[i], name, NULL);

              /* README and notes are not inputs. */
              if (name[0] == '.' || g_str_has_suffix (name, ".md") || g_str_has_suffix (name, ".txt"))
                continue;
              if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
                g_ptr_array_add (names, g_steal_pointer (&path));
            }
          g_ptr_array_sort (names, compare_names);
          for (guint j = 0; j < names->len; j++)
            run_file (g_ptr_array_index (names, j));
        }
      else
        run_file (argv[i]);
    }

  printf ("1..%d\n", n_run);
  printf ("# %d inputs, %d failed\n", n_run, n_failed);
  return n_failed == 0 ? 0 : 1;
}
