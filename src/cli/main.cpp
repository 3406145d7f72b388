#include "cli/app.h"

int main(int argc, char** argv) { return sysfence::cli::run_sysfence(argc, argv); }
