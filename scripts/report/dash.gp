# CPU the dashboard uses against the number of containers it shows.
# dat: containers<TAB>cpu_percent
set terminal pngcairo size 700,420 font "sans,10"
set output out
set termoption noenhanced
set title "boxlab dash CPU use (1 s refresh)"
set xlabel "running containers"
set ylabel "% of one CPU"
set grid
set key off
set yrange [0:*]
set datafile separator "\t"
plot dat using 1:2 with linespoints lw 2 pt 7
