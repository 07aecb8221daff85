# Setup cost of each module, stacked by phase (µs, median of the runs).
# dat: module<TAB>prepare<TAB>parent_setup<TAB>child_setup<TAB>child_finish
set terminal pngcairo size 1000,480 font "sans,10"
set output out
set termoption noenhanced
set title "Per-module setup cost from the timelines (median µs; every default module on)"
set ylabel "µs"
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid ytics
set xtics rotate by -45 scale 0 nomirror
set offsets 0.6, 0.6, 0, 0
set key top right
set datafile separator "\t"
plot dat using 2:xtic(1) title "prepare (parent, before clone)", \
     '' using 3 title "parent_setup (after clone)", \
     '' using 4 title "child_setup", \
     '' using 5 title "child_finish"
