# Pause/resume and checkpoint/restore latency against resident memory.
# dat: rss_mib<TAB>pause_ms<TAB>resume_ms<TAB>checkpoint_ms<TAB>restore_ms ("-" when not measured)
set terminal pngcairo size 900,500 font "sans,10"
set output out
set termoption noenhanced
set title "Latency against the memory the container holds (median)"
set xlabel "memory charged to the container's cgroup (MiB)"
set ylabel "ms"
set logscale xy
set grid
set key below
set datafile separator "\t"
set datafile missing "-"
plot dat using 1:2 with linespoints lw 2 title "pause", \
     '' using 1:3 with linespoints lw 2 title "resume", \
     '' using 1:4 with linespoints lw 2 title "checkpoint (CRIU dump)", \
     '' using 1:5 with linespoints lw 2 title "restore"
