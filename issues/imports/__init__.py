"""Importing a district's existing ledger (台账) from a workbook or CSV file.

``reading`` turns an uploaded file into rows of cells, within limits (size, rows, columns)
that a hostile file cannot get round; ``columns`` recognises the header row (Chinese or
English, with synonyms) and gives the mapping staff confirm or change; ``checking`` says
what each row becomes and every problem of each cell, writing nothing; ``running`` imports
the rows without errors through ``issues/services/`` (the job's builder, ``jobs``), and
``template`` writes the empty workbook staff can download.
"""
