/*
 * completion.h - the shell completion scripts `completion bash|zsh|fish` prints: the files of
 * cmd/completion/, embedded at build time by scripts/embed.sh (NUL-terminated C strings). Each hands
 * the words typed so far to `kubectl-dotnetprof completion __complete` (cmd/completion.c).
 */
#ifndef DOTNETPROF_COMPLETION_H
#define DOTNETPROF_COMPLETION_H

extern const char completion_bash[]; /* cmd/completion/bash */
extern const char completion_zsh[];  /* cmd/completion/zsh */
extern const char completion_fish[]; /* cmd/completion/fish */

#endif
