/* What can be done to the selected container, from the list, the
 * detail view and the logs alike.  Each action is the boxlab command a
 * user would type (stop, kill, pause, rm -f, exec -it), run through this
 * binary: the dashboard adds no second way of stopping a container. */
#include "ui/screen.h"

#include <string.h>

static void kill_confirmed(struct bxui_screen *s, const char *text, const char *name, bool yes)
{
	(void)text;
	if (!yes)
		return;
	char what[128];
	snprintf(what, sizeof what, "kill %s", name);
	bxui_spawn(s, what, (char *const[]){"kill", (char *)name, NULL}, false);
}

static void rm_confirmed(struct bxui_screen *s, const char *text, const char *name, bool yes)
{
	(void)text;
	if (!yes)
		return;
	char what[128];
	snprintf(what, sizeof what, "rm %s", name);
	bxui_spawn(s, what, (char *const[]){"rm", "-f", (char *)name, NULL}, false);
}

static bool live(const struct bxui_ctr *c)
{
	return c && (c->status == BX_RUNNING || c->status == BX_PAUSED);
}

bxui_result bxui_container_action(struct bxui_screen *s, const char *name, int key)
{
	const struct bxui_ctr *c = bxui_snapshot_find(&s->snap, name);
	char what[160], q[200];
	switch (key) {
	case 'p':
	case KEY_F(7):
	case 'S':
	case KEY_F(8):
	case 'K':
	case KEY_F(9):
	case 'R':
	case KEY_DC:
	case KEY_F(11):
	case 'e':
	case KEY_F(5):
	case 'l':
	case KEY_F(4):
	case 'c':
	case 'r':
		break;
	default:
		return BXUI_IGNORED;
	}
	if (!c) {
		bxui_message(s, true, "no container selected");
		return BXUI_HANDLED | BXUI_REDRAW;
	}
	switch (key) {
	case 'p':
	case KEY_F(7): {
		bool resume = c->status == BX_PAUSED;
		if (!live(c)) {
			bxui_message(s, true, "%s is %s: only a running container can be paused", name,
				     bxui_status_text(c));
			break;
		}
		snprintf(what, sizeof what, "%s %s", resume ? "resume" : "pause", name);
		bxui_spawn(s, what, (char *const[]){resume ? "resume" : "pause", (char *)name, NULL}, false);
		break;
	}
	case 'S':
	case KEY_F(8):
		snprintf(what, sizeof what, "stop %s", name);
		bxui_spawn(s, what, (char *const[]){"stop", (char *)name, NULL}, false);
		break;
	case 'K':
	case KEY_F(9):
		snprintf(q, sizeof q, "Kill %s with SIGKILL? (y/N)", name);
		bxui_confirm(s, q, name, kill_confirmed);
		break;
	case 'R':
	case KEY_DC:
	case KEY_F(11):
		snprintf(q, sizeof q, "Remove %s%s? (y/N)", name, live(c) ? " (it is running: it gets killed)" : "");
		bxui_confirm(s, q, name, rm_confirmed);
		break;
	case 'e':
	case KEY_F(5): {
		if (c->status != BX_RUNNING) {
			bxui_message(s, true, "%s is %s: a shell needs a running container", name, bxui_status_text(c));
			break;
		}
		int code = bxui_run_foreground(s, (char *const[]){"exec", "-it", (char *)name, "sh", NULL});
		if (code != 0)
			bxui_message(s, code < 0, "shell in %s: exit code %d", name, code);
		break;
	}
	case 'l':
	case KEY_F(4):
		bxui_push(s, bxui_logs_new(s, name));
		break;
	case 'c':
		if (c->status != BX_RUNNING) {
			bxui_message(s, true, "%s is %s: only a running container can be checkpointed", name,
				     bxui_status_text(c));
			break;
		}
		snprintf(what, sizeof what, "checkpoint %s", name);
		bxui_spawn(s, what, (char *const[]){"checkpoint", (char *)name, NULL}, false);
		break;
	case 'r':
		if (live(c)) {
			bxui_message(s, true, "%s is %s: restore brings back a stopped, checkpointed one", name,
				     bxui_status_text(c));
			break;
		}
		snprintf(what, sizeof what, "restore %s", name);
		bxui_spawn(s, what, (char *const[]){"restore", (char *)name, NULL}, false);
		break;
	}
	return BXUI_HANDLED | BXUI_REDRAW;
}
