#!/usr/bin/perl
# MARC::Lint (Debian libmarc-lint-perl) over every record of a binary MARC file: prints
# each warning as "<001>: <warning>", one a line, and nothing for a clean file; exits 2
# when the file cannot be read. Run by tests/test_records_lint.py.
use strict;
use warnings;
use MARC::Batch;
use MARC::Lint;

my $path = shift or die "usage: marclint.pl FILE.mrc\n";
-r $path or do { print STDERR "cannot read $path\n"; exit 2 };
my $batch = MARC::Batch->new('USMARC', $path);
$batch->strict_off();  # report a record that does not parse as a warning, and go on
my $lint = MARC::Lint->new();
my $count = 0;
while (my $record = $batch->next()) {
    $count++;
    my $id = $record->field('001') ? $record->field('001')->data() : "record $count";
    print "$id: $_\n" for $record->warnings();
    $lint->check_record($record);
    print "$id: $_\n" for $lint->warnings();
}
print "no records in $path\n" unless $count;
